-- Free-text search reads a folded copy of the searched fields that the
-- programs write (pnorm_search_text(): lower case, accents and ligatures
-- spelt plain, punctuation as spaces), compared byte for byte.
--
-- Why not the generated column of 0002: computing its chain of REPLACE
-- on every insert cost an import about a second per 100 000 rows, and
-- LIKE under utf8mb4_unicode_ci compares one collation weight at a
-- time, so a search for a word no row holds read a tenant's 100 000
-- rows in about 0.3 s; a binary LIKE over the folded text reads them in
-- a third of that (bench/import.sh).
--
-- Rows written before this migration get their text from
-- prospea-migrate's backfill (search_text IS NULL), in batches.
ALTER TABLE prospect DROP COLUMN search_text,
	ADD COLUMN search_text VARBINARY(800) NULL AFTER name_key;

-- The view again, for the new column (every column of prospect, as in 0002).
CREATE OR REPLACE VIEW my_prospect AS
	SELECT * FROM prospect WHERE user_id = app_user() WITH CHECK OPTION;
