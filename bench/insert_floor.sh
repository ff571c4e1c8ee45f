#!/usr/bin/env bash
# The database's own ceiling for imports: bench/insert_floor copies the
# biggest tenant's prospects (left by bench/import.sh in var/bench) into a
# copy of the prospect table, with array binding in one transaction, for
# each set of indexes below, each three times; the import can never be
# faster than its row of this table on the same machine.
#   all indexes      what 0002/0003 define (search filters, sorts, duplicate keys)
#   duplicate keys   the primary key, UNIQUE(id) and the five duplicate-key
#                    indexes the issue's deduplication needs, no search index
#   primary key      the clustered (user_id, id) and UNIQUE(id) only
# Writes bench/results/insert-floor-<date>.txt and stops the stack.
# Usage: bench/insert_floor.sh   (after bench/import.sh, on a quiet machine)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
bench_stack
make -s bench/insert_floor
M="mariadb --no-defaults --socket=$PROSPEA_VAR/run/mysqld.sock prospea"
SEARCH="prospect_status prospect_city prospect_postal prospect_category prospect_name prospect_updated prospect_rating"
DEDUP="prospect_place prospect_phone prospect_email prospect_host prospect_name_key"
drops() { local k out=""; for k in "$@"; do out="$out, DROP KEY $k"; done; echo "${out#, }"; }
OUT=bench/results/insert-floor-$(date -u +%Y-%m-%d).txt
{
	echo "# bench/insert_floor.sh on $(date -u +%FT%TZ), $(nproc) cores; MariaDB $($M -N -e 'SELECT VERSION()')"
	for variant in "all indexes|" "duplicate keys only|$(drops $SEARCH)" \
	    "primary key only|$(drops $SEARCH $DEDUP)"; do
		label=${variant%%|*} alter=${variant#*|}
		for _ in 1 2 3; do
			$M -e "DROP TABLE IF EXISTS bench_floor; CREATE TABLE bench_floor LIKE prospect;${alter:+ ALTER TABLE bench_floor $alter;}"
			bench/insert_floor "$PROSPEA_VAR/prospea.conf" "$label"
		done
	done
	$M -e "DROP TABLE IF EXISTS bench_floor"
} | tee "$OUT"
echo "written to $OUT"
