-- The sender's daily counts (workers/sender.c, docs/sequencing.md "Limits"):
-- before each message it counts the messages its campaign and its sending
-- account sent in the local day, through the per-user view my_message,
-- whose user_id = app_user() the day indexes of 0004 could not answer: every
-- counted row cost a read of the row itself. With user_id in the index the
-- counts read the index alone (bench/sender.sh: at 10 000 messages a day on
-- one campaign and one account, 22 ms a count became 6). Same indexes, one
-- column longer; they still serve every query that used them.
ALTER TABLE message
	DROP KEY message_campaign_day,
	ADD KEY message_campaign_day (campaign_id, sent_at, user_id),
	DROP KEY message_account_day,
	ADD KEY message_account_day (sending_account_id, sent_at, user_id),
	ALGORITHM=INPLACE, LOCK=NONE;
