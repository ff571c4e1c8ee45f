#!/usr/bin/env bash
# Sender benchmark, on a stack of its own (bench/lib.sh): queues of
# ENROLLMENTS one-step e-mail enrollments (default 10 000) of one user,
# sent by prospea-sender through the stack's own submission server (the
# user's SMTP server: aiosmtpd with STARTTLS and AUTH, storing each
# message, fsync'ed, under var/bench/mail/outbox), no window or gap in the
# way:
#  - the platform's case: the queue spread over 20 campaigns, each on its
#    own sending account with a daily limit of 500 (the largest a user
#    would set on one mailbox), one sender, then two sharing the queue;
#  - the worst case for the daily limits: one campaign on one account, both
#    at the API's largest limit (10 000 a day): before each message the
#    sender counts the day's messages of both, up to the limit.
# For each: messages per second end to end (first claim to the queue
# empty); SMTP connections opened (one per account per batch, reused by
# libcurl for the batch's other messages: each campaign's enrollments are
# due together, so a batch mostly holds one account), from the server's
# log; the claim's latency (SELECT ... FOR UPDATE SKIP LOCKED and the lease
# UPDATEs, one transaction), as each sender logs it per batch.
# The prospects come from bench/gen_gosom.py through POST /api/v1/imports
# (about 60 % have an address: 1.8 rows are imported per enrollment).
# The stack's own sender is held (SIGSTOP) while the benchmark's run.
# Writes bench/results/sender-<date>.txt and stops the stack.
# Usage: bench/sender.sh [enrollments] [batch]
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
N=${1:-10000} BATCH=${2:-50}
PY=/usr/bin/python3
bench_stack
SQL="mariadb --no-defaults -S $PROSPEA_VAR/run/mysqld.sock -u $(id -un) -N -B prospea"
SENDER=$ROOT/workers/prospea-sender
CONF=$PROSPEA_VAR/prospea.conf

held=$(pgrep -P "$(cat "$PROSPEA_VAR/run/sender.pid")")
kill -STOP "$held"
trap 'kill -CONT '"$held"' 2>/dev/null; ./dev down >/dev/null' EXIT

# An e-mail account on the stack's own server (API); prints its id.
account() {
	curl -fsS -X POST "$URL/api/v1/sending-accounts" -H "Cookie: $COOKIE" \
		-H "X-CSRF-Token: $CSRF" -H 'Content-Type: application/json' -d "{\"channel\":\"email\",
		\"name\":\"bench\",\"from_name\":\"Banc Essai\",\"from_email\":\"demo@prospea.test\",
		\"smtp_host\":\"127.0.0.1\",\"smtp_port\":$PROSPEA_SUBMIT_PORT,\"smtp_security\":\"starttls\",
		\"smtp_username\":\"demo@prospea.test\",\"smtp_password\":\"demo-mailbox-2026\",
		\"daily_limit\":10000}" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

# A user and the prospects.
setup() {
	bench_user
	local job rows=$((N * 18 / 10 + 200)) file
	file=$PROSPEA_VAR/files/sender-gosom-$rows.csv
	mkdir -p "$PROSPEA_VAR/files"
	[ -s "$file" ] || $PY "$ROOT/bench/gen_gosom.py" "$rows" --seed 7 >"$file"
	job=$(curl -fsS -X POST --data-binary @"$file" -H 'Content-Type: text/csv' \
		-H "X-CSRF-Token: $CSRF" -H "Cookie: $COOKIE" \
		"$URL/api/v1/imports?filename=bench.csv" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	until curl -fsS -H "Cookie: $COOKIE" "$URL/api/v1/imports/$job" | grep -q '"status":"done"'; do
		sleep 0.5
	done
	UID_=$($SQL -e "SELECT id FROM user_account WHERE email = '$EMAIL'")
	TPL=$($SQL -e "INSERT INTO template (user_id, name, channel, subject, body, created_at,
		updated_at) VALUES ($UID_, 'b', 'email', 'Bonjour {{business_name}}',
		'Bonjour,\n\nVotre établissement {{business_name}} à {{city|votre ville}}.\n\nBanc',
		NOW(3), NOW(3)) RETURNING id")
}

# $1 running one-step campaigns, each on an account of its own with the
# daily limit $2, sharing the first N prospects with an address; each
# campaign's enrollments due together. Prints the campaign ids.
queue() {
	local k=$1 limit=$2 i cid acct ids=()
	for i in $(seq 0 $((k - 1))); do
		acct=$(account)
		$SQL -e "UPDATE sending_account SET daily_limit = $limit WHERE id = $acct"
		cid=$($SQL -e "INSERT INTO campaign (user_id, name, status, email_account_id,
			window_days, window_start, window_end, daily_limit, gap_seconds, created_at,
			updated_at) VALUES ($UID_, 'bench', 'paused', $acct,
			'mon,tue,wed,thu,fri,sat,sun', '00:00:00', '24:00:00', $limit, 0, NOW(3),
			NOW(3)) RETURNING id")
		$SQL -e "INSERT INTO campaign_step (user_id, campaign_id, position, kind,
			template_id) VALUES ($UID_, $cid, 0, 'email', $TPL)"
		$SQL -e "INSERT INTO enrollment (user_id, campaign_id, prospect_id, due_at,
			enrolled_at, updated_at) SELECT $UID_, $cid, id,
			NOW(3) - INTERVAL 1 HOUR + INTERVAL $i SECOND, NOW(3), NOW(3)
			FROM prospect WHERE user_id = $UID_ AND email IS NOT NULL ORDER BY id
			LIMIT $((N / k)) OFFSET $((i * (N / k)))"
		ids+=("$cid")
	done
	$SQL -e "UPDATE campaign SET status = 'running' WHERE id IN ($(IFS=,; echo "${ids[*]}"))"
	IFS=,
	echo "${ids[*]}"
}

# Runs $1 senders (--once) on the queue of campaigns $2 (comma-separated);
# prints the figures.
run() {
	local k=$1 cids=$2 t0 t1 i pids=() before sent logs=() conns
	before=$(wc -l <"$PROSPEA_VAR/log/usmtp.log")
	t0=$(date +%s.%N)
	for i in $(seq 1 "$k"); do
		logs+=("$PROSPEA_VAR/log/bench-sender-${cids%%,*}-$i.log")
		# Later queues go to the same prospects: no frequency cap.
		PROSPEA_SENDER_BATCH=$BATCH PROSPEA_CONTACT_GAP_HOURS=0 \
			"$SENDER" -c "$CONF" --once 2>"${logs[-1]}" &
		pids+=($!)
	done
	wait "${pids[@]}"
	t1=$(date +%s.%N)
	sent=$($SQL -e "SELECT COUNT(*) FROM message WHERE campaign_id IN ($cids)
		AND status = 'sent'")
	echo "  enrollments: $($SQL -e "SELECT GROUP_CONCAT(CONCAT(n, ' ', s) SEPARATOR ', ')
		FROM (SELECT CONCAT(status, IFNULL(CONCAT(' ', stop_reason), '')) AS s, COUNT(*) AS n
		FROM enrollment WHERE campaign_id IN ($cids) GROUP BY s) x")"
	conns=$(tail -n +"$((before + 1))" "$PROSPEA_VAR/log/usmtp.log" |
		awk '/ stored / {print $2}' | sort -u | wc -l)
	$PY - "$t0" "$t1" "$sent" "$k" "$conns" "$N" "${logs[@]}" <<'PY'
import re, sys
t0, t1, sent, k, conns, n = float(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), \
    int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
claims, per = [], []
for f in sys.argv[7:]:
    mine = 0
    for line in open(f, encoding="utf-8"):
        m = re.search(r'batch: (\d+) claimed in ([\d.]+) ms, (\d+) sent', line)
        if m:
            claims.append(float(m.group(2)))
            mine += int(m.group(3))
    per.append(mine)
claims.sort()
q = lambda p: claims[min(len(claims) - 1, int(p * len(claims)))]
print("  %d sender(s): %d of %d messages sent in %.1f s: %.0f messages/s (per sender: %s)"
      % (k, sent, n, t1 - t0, sent / (t1 - t0), ", ".join(map(str, per))))
print("  SMTP connections opened: %d (%.1f messages per connection)"
      % (conns, sent / max(conns, 1)))
print("  claim (SELECT ... SKIP LOCKED + lease, one transaction): %d claims, "
      "p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms"
      % (len(claims), q(0.5), q(0.9), q(0.99), claims[-1]))
PY
}

mkdir -p bench/results
OUT=bench/results/sender-$(date -u +%Y-%m-%d).txt
{
	echo "# bench/sender.sh on $(date -u +%FT%TZ), $(nproc) cores, $N enrollments, batches of $BATCH"
	setup
	echo "# $($SQL -e "SELECT COUNT(*) FROM prospect WHERE user_id = $UID_") prospects imported"
	echo
	echo "## 20 campaigns on 20 accounts, 500 a day each: one sender"
	run 1 "$(queue 20 500)"
	echo
	echo "## the same again, on new campaigns: two senders sharing the queue"
	run 2 "$(queue 20 500)"
	echo
	echo "## one campaign on one account, 10 000 a day (the API's largest): one sender"
	run 1 "$(queue 1 10000)"
	echo
	echo "## duplicates (messages per enrollment and step), should be none"
	$SQL -e "SELECT COUNT(*) - COUNT(DISTINCT enrollment_id, position) FROM message
		WHERE user_id = $UID_"
} | tee "$OUT"
echo "written to $OUT"
