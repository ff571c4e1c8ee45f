-- Call tasks: a callback is a new task for the same step.
--
-- docs/sequencing.md: the outcome "callback_requested" closes the task and
-- opens a new one for the same call step, due at the callback time, so
-- each call keeps its own outcome, note and time. 0004's
-- UNIQUE (enrollment_id, position) allows one task per step only. attempt
-- numbers the tasks of one step: 0 for the one the sender creates (its
-- idempotence is unchanged: a second worker's insert of attempt 0 still
-- fails), then 1, 2... for each callback the campaigns handler opens.
ALTER TABLE task
	ADD COLUMN attempt SMALLINT UNSIGNED NOT NULL DEFAULT 0 AFTER position,
	DROP KEY task_step,
	ADD UNIQUE KEY task_step (enrollment_id, position, attempt);

-- The view again, for the new column (every column of task, as in 0004).
CREATE OR REPLACE VIEW my_task AS
	SELECT * FROM task WHERE user_id = app_user() WITH CHECK OPTION;
