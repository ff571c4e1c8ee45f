#!/usr/bin/env bash
# Auth benchmark: login latency (Argon2id at production cost) and the
# throughput of GET /api/v1/auth/session (session lookup + tenant set +
# JSON) through nginx, with wrk. Starts its own stack (var/bench, port
# 18180, production settings but no nginx rate limit, PROSPEA_CHILDREN
# handler children, default 4), writes bench/results/auth-<date>.txt and
# stops the stack. Usage: bench/auth.sh [seconds per run, default 20]
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DUR=${1:-20}
export PROSPEA_VAR=$ROOT/var/bench PROSPEA_KIND=bench PROSPEA_PORT=18180
export PROSPEA_SMTP_PORT=12625 PROSPEA_SMTPS_PORT=12665
export PROSPEA_AUTH_RATE=1000000r/s PROSPEA_CHILDREN=${PROSPEA_CHILDREN:-4}
URL=http://127.0.0.1:$PROSPEA_PORT
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

mkdir -p bench/results
OUT=bench/results/auth-$(date -u +%Y-%m-%d).txt
{
	echo "# bench/auth.sh on $(date -u +%FT%TZ), $(nproc) cores, $PROSPEA_CHILDREN children per handler"
	echo "# pwhash: libsodium crypto_pwhash defaults of conf.c (ops 2, 64 MiB)"
	echo
	echo "## POST /api/v1/auth/login, wrk -t2 -c4 -d${DUR}s (Argon2id bound: 2 cores)"
	EMAIL=$EMAIL PW=$PW wrk -t2 -c4 -d"${DUR}s" --latency -s bench/login.lua "$URL/api/v1/auth/login"
	echo
	echo "## GET /api/v1/auth/session, wrk -t2 -c32 -d${DUR}s"
	wrk -t2 -c32 -d"${DUR}s" --latency -H "Cookie: $COOKIE" "$URL/api/v1/auth/session"
} | tee "$OUT"
echo "written to $OUT"
