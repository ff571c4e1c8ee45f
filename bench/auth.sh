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
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
DUR=${1:-20}
command -v wrk >/dev/null || { echo "bench/auth.sh needs wrk: apt-get install wrk" >&2; exit 1; }
bench_stack
bench_user

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
