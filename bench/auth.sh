#!/usr/bin/env bash
# Auth benchmark, through nginx with wrk, on a stack of its own (var/bench,
# port 18180, production settings but no nginx rate limit, PROSPEA_CHILDREN
# handler children, default 4):
#  - login latency alone and under load (Argon2id at production cost);
#  - GET /api/v1/auth/session with 32 connections (session lookup, tenant
#    set, JSON, tenant cleared);
#  - what per-user isolation costs a request: GET /api/v1/auth/sessions
#    reads the my_session view; it is run with the production view
#    (user_id = app_user()) and with the same view filtered by the bench
#    user's id as a constant, alternately, three rounds each.
# Writes bench/results/auth-<date>.txt and stops the stack.
# Usage: bench/auth.sh [seconds per run, default 20]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${1:-20}
export PROSPEA_VAR=$ROOT/var/bench PROSPEA_KIND=bench PROSPEA_PORT=18180
export PROSPEA_SMTP_PORT=12625 PROSPEA_SMTPS_PORT=12665
export PROSPEA_AUTH_RATE=1000000r/s PROSPEA_CHILDREN=${PROSPEA_CHILDREN:-4}
URL=http://127.0.0.1:$PROSPEA_PORT
command -v wrk >/dev/null || { echo "bench/auth.sh needs wrk: apt-get install wrk" >&2; exit 1; }
cd "$ROOT"
./dev up >/dev/null
trap './dev down >/dev/null' EXIT

EMAIL="bench-$(date +%s)@exemple.fr" PW="Un mot de passe de banc"
curl -fsS -o /dev/null -X POST "$URL/api/v1/auth/signup" -H 'Content-Type: application/json' \
	-d "{\"first_name\":\"Banc\",\"last_name\":\"Essai\",\"email\":\"$EMAIL\",\"password\":\"$PW\",\"accept_policy_version\":\"2026-01\",\"confirm_professional_16plus\":true}"
TOKEN=""
for _ in $(seq 1 100); do
	TOKEN=$(/usr/bin/python3 - "$PROSPEA_VAR/mail/new" "$EMAIL" <<'PY'
import email, email.policy, glob, re, sys
for f in glob.glob(sys.argv[1] + "/*"):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    if m["To"] == sys.argv[2]:
        t = re.search(r"#token=([A-Za-z0-9_-]{43})", m.get_body(("plain",)).get_content())
        print(t.group(1))
PY
)
	[ -n "$TOKEN" ] && break
	sleep 0.1
done
[ -n "$TOKEN" ] || { echo "no verification mail" >&2; exit 1; }
curl -fsS -X POST "$URL/api/v1/auth/verify-email" -H 'Content-Type: application/json' -d "{\"token\":\"$TOKEN\"}"
COOKIE=$(curl -fsS -D - -o /dev/null -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
	-d "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}" | sed -n 's/^Set-Cookie: \(__Host-prospea_session=[^;]*\);.*/\1/p')

# The my_session view as sql/migrations defines it, filtered by $1.
view() {
	mariadb --no-defaults -S "$PROSPEA_VAR/run/mysqld.sock" prospea -e \
		"CREATE OR REPLACE VIEW my_session AS SELECT id, user_id, totp_verified, ip,
		 user_agent, created_at, last_seen_at, expires_at, revoked_at FROM session
		 WHERE user_id = $1 WITH CHECK OPTION"
}

isolation_ab() {
	local uid round kind rps
	uid=$(mariadb --no-defaults -S "$PROSPEA_VAR/run/mysqld.sock" prospea -N -e \
		"SELECT id FROM user_account WHERE email = '$EMAIL'")
	echo "## GET /api/v1/auth/sessions?limit=5 (reads my_session), wrk -t2 -c32 -d10s, alternating"
	echo "## view: user_id = app_user() (production) | const: user_id = $uid (no isolation)"
	for round in 1 2 3 4 5; do
		for kind in view const; do
			if [ $kind = view ]; then view "app_user()"; else view "$uid"; fi
			rps=$(wrk -t2 -c32 -d10s --latency -H "Cookie: $COOKIE" \
				"$URL/api/v1/auth/sessions?limit=5" | awk '/Requests\/sec/ {r=$2}
				/ 50%/ {p50=$2} / 99%/ {p99=$2}
				END {printf "%s req/s, p50 %s, p99 %s", r, p50, p99}')
			echo "round $round $kind: $rps"
		done
	done
	view "app_user()"
}

mkdir -p bench/results
OUT=bench/results/auth-$(date -u +%Y-%m-%d).txt
{
	echo "# bench/auth.sh on $(date -u +%FT%TZ), $(nproc) cores, $PROSPEA_CHILDREN children per handler"
	echo "# pwhash: libsodium crypto_pwhash defaults of conf.c (ops 2, 64 MiB)"
	echo
	echo "## POST /api/v1/auth/login, one at a time: wrk -t1 -c1 -d${DUR}s"
	EMAIL=$EMAIL PW=$PW wrk -t1 -c1 -d"${DUR}s" --latency -s bench/login.lua "$URL/api/v1/auth/login"
	echo
	echo "## POST /api/v1/auth/login, wrk -t2 -c2 -d${DUR}s (Argon2id bound: hash_slots = 2)"
	EMAIL=$EMAIL PW=$PW wrk -t2 -c2 -d"${DUR}s" --latency -s bench/login.lua "$URL/api/v1/auth/login"
	echo
	echo "## GET /api/v1/auth/session, wrk -t2 -c32 -d${DUR}s"
	wrk -t2 -c32 -d"${DUR}s" --latency -H "Cookie: $COOKIE" "$URL/api/v1/auth/session"
	echo
	isolation_ab
} | tee "$OUT"
echo "written to $OUT"
