#!/usr/bin/env bash
# GDPR export benchmark (GET /api/v1/gdpr/export, handlers/gdpr/gdpr_export.c)
# on a stack of its own (var/bench, port 18180; bench/lib.sh): two accounts
# seeded straight into the database with 10 000 and 100 000 prospects
# (about 1 in 10 with a note, 1 in 5 with a tag), each exported three times
# through nginx. Reports the time and size of each export and the peak
# resident memory (VmHWM) of every prospea-gdpr child of this stack, reset
# before each account, which stays flat if the export streams in constant memory.
# Needs root (or the stack's owner) to reset the children's peak (clear_refs).
# Writes bench/results/gdpr-export-<date>.txt and stops the stack.
# Usage: bench/gdpr_export.sh [small big]   (default 10000 100000)
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
SMALL=${1:-10000} BIG=${2:-100000}
OUT=$ROOT/bench/results/gdpr-export-$(date +%F).txt

db() { mariadb --no-defaults -S "$PROSPEA_VAR/run/mysqld.sock" prospea -N -e "$1"; }

# This stack's prospea-gdpr children (of its multiwatch, run/gdpr.pid).
gdpr_pids() { pgrep -P "$(cat "$PROSPEA_VAR/run/gdpr.pid")" || true; }

# The peak RSS of each handler child since the last reset, kB ("pid:kB ...").
gdpr_hwm() {
	local pid out=""
	for pid in $(gdpr_pids); do
		out="$out $pid:$(awk '/^VmHWM/ {print $2}' /proc/$pid/status)"
	done
	echo "${out# }"
}

# Resets the peak (proc(5), clear_refs "5"): start-up hashes a dummy
# password (Argon2id, 64 MiB: passwd.h), which would hide the export's peak.
gdpr_hwm_reset() {
	local pid
	for pid in $(gdpr_pids); do echo 5 >/proc/$pid/clear_refs; done
}

seed() {	# $1 email, $2 prospects
	local uid
	uid=$(db "SELECT id FROM user_account WHERE email = '$1'")
	db "INSERT INTO prospect (user_id, name, category, city, postal_code, email,
	    phone, source, custom_fields, collected_at, created_at, updated_at)
	    SELECT $uid, CONCAT('Entreprise ', seq), 'Boulangerie', 'Lyon', '69003',
	    CONCAT('contact', seq, '@exemple-', seq, '.fr'), '04 72 00 12 34', 'bench',
	    '{\"siret\": \"123 456 789 00012\"}', NOW(), NOW(), NOW()
	    FROM seq_1_to_$2;
	    INSERT INTO prospect_note (user_id, prospect_id, body, created_at, updated_at)
	    SELECT $uid, id, 'Rappeler après 14 h, demander le gérant.', NOW(), NOW()
	    FROM prospect WHERE user_id = $uid AND id % 10 = 0;
	    INSERT INTO prospect_tag (prospect_id, tag, user_id)
	    SELECT id, 'lyon', $uid FROM prospect WHERE user_id = $uid AND id % 5 = 0"
}

run() {	# $1 label, $2 cookie
	local i code secs size
	echo "## $1"
	gdpr_hwm_reset
	echo "peak RSS after reset (pid:kB): $(gdpr_hwm)"
	for i in 1 2 3; do
		read -r code secs size < <(curl -fsS -o /tmp/gdpr-export-bench.json \
			-H "Cookie: $2" -w '%{http_code} %{time_total} %{size_download}\n' \
			"$URL/api/v1/gdpr/export")
		awk -v i="$i" -v c="$code" -v t="$secs" -v s="$size" 'BEGIN {
			printf "export %d: status %s, %.2f s, %.1f MB\n", i, c, t, s / 1e6 }'
	done
	/usr/bin/python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print('parsed: %d prospects' % len(d['prospects']))" \
		/tmp/gdpr-export-bench.json
	echo "peak RSS after (pid:kB): $(gdpr_hwm)"
	rm -f /tmp/gdpr-export-bench.json
}

bench_stack
bench_user
SMALL_EMAIL=$EMAIL SMALL_COOKIE=$COOKIE
bench_user
BIG_EMAIL=$EMAIL BIG_COOKIE=$COOKIE
t0=$(date +%s.%N)
seed "$SMALL_EMAIL" "$SMALL"
seed "$BIG_EMAIL" "$BIG"
t1=$(date +%s.%N)
{
	echo "# bench/gdpr_export.sh $SMALL $BIG — $(date -u +%FT%TZ), $(nproc) cores, PROSPEA_CHILDREN=$PROSPEA_CHILDREN"
	awk -v a="$SMALL" -v b="$BIG" -v t0="$t0" -v t1="$t1" 'BEGIN {
		printf "seeded %d + %d prospects in %.1f s\n", a, b, t1 - t0 }'
	echo "handler children: $(gdpr_hwm | wc -w) (a request goes to any of them)"
	run "$SMALL prospects" "$SMALL_COOKIE"
	run "$BIG prospects" "$BIG_COOKIE"
} | tee "$OUT"
