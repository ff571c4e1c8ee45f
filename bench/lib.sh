# Shared by the bench scripts (sourced): a stack of their own and a
# signed-in account.
#  bench_stack: starts the stack under var/bench (port 18180, production
#    settings, no nginx rate limit, PROSPEA_CHILDREN handler children,
#    default 4) and stops it when the script exits.
#  bench_user: signs up, verifies and signs in a new account on a plan
#    without limits (bench, added here); sets EMAIL,
#    PW, COOKIE ("__Host-prospea_session=…") and CSRF.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Ports: PROSPEA_BENCH_<NAME>_PORT moves each (two checkouts benching at once).
export PROSPEA_VAR=$ROOT/var/bench PROSPEA_KIND=bench
export PROSPEA_PORT=${PROSPEA_BENCH_PORT:-18180}
export PROSPEA_SMTP_PORT=${PROSPEA_BENCH_SMTP_PORT:-12625}
export PROSPEA_SMTPS_PORT=${PROSPEA_BENCH_SMTPS_PORT:-12665}
export PROSPEA_PLACES_PORT=${PROSPEA_BENCH_PLACES_PORT:-18191}
export PROSPEA_SITES_PORT=${PROSPEA_BENCH_SITES_PORT:-18192}
# The user's own mail server and SMS stand-in (bench/sender.sh sends there).
export PROSPEA_SUBMIT_PORT=${PROSPEA_BENCH_SUBMIT_PORT:-12687}
export PROSPEA_SUBMITS_PORT=${PROSPEA_BENCH_SUBMITS_PORT:-12667}
export PROSPEA_IMAP_PORT=${PROSPEA_BENCH_IMAP_PORT:-12643}
export PROSPEA_IMAPS_PORT=${PROSPEA_BENCH_IMAPS_PORT:-12693}
export PROSPEA_SMS_PORT=${PROSPEA_BENCH_SMS_PORT:-18193}
export PROSPEA_STRIPE_PORT=${PROSPEA_BENCH_STRIPE_PORT:-18194}
export PROSPEA_AUTH_RATE=1000000r/s PROSPEA_CHILDREN=${PROSPEA_CHILDREN:-4}
URL=http://127.0.0.1:$PROSPEA_PORT

bench_stack() {
	cd "$ROOT"
	./dev up >/dev/null
	trap './dev down >/dev/null' EXIT
}

bench_user() {
	EMAIL="bench-$(date +%s%N)@exemple.fr" PW="Un mot de passe de banc"
	curl -fsS -o /dev/null -X POST "$URL/api/v1/auth/signup" -H 'Content-Type: application/json' \
		-d "{\"first_name\":\"Banc\",\"last_name\":\"Essai\",\"email\":\"$EMAIL\",\"password\":\"$PW\",\"accept_policy_version\":\"2026-01\",\"confirm_professional_16plus\":true}"
	local token="" _
	for _ in $(seq 1 100); do
		token=$(/usr/bin/python3 - "$PROSPEA_VAR/mail/new" "$EMAIL" <<'PY'
import email, email.policy, glob, re, sys
for f in glob.glob(sys.argv[1] + "/*"):
    m = email.message_from_binary_file(open(f, "rb"), policy=email.policy.default)
    if m["To"] == sys.argv[2]:
        t = re.search(r"#token=([A-Za-z0-9_-]{43})", m.get_body(("plain",)).get_content())
        print(t.group(1))
PY
)
		[ -n "$token" ] && break
		sleep 0.1
	done
	[ -n "$token" ] || { echo "no verification mail" >&2; exit 1; }
	curl -fsS -X POST "$URL/api/v1/auth/verify-email" -H 'Content-Type: application/json' \
		-d "{\"token\":\"$token\"}"
	local out
	out=$(curl -fsS -D - -X POST "$URL/api/v1/auth/login" -H 'Content-Type: application/json' \
		-d "{\"email\":\"$EMAIL\",\"password\":\"$PW\"}")
	COOKIE=$(printf '%s\n' "$out" | sed -n 's/^Set-Cookie: \(__Host-prospea_session=[^;]*\);.*/\1/p')
	# A plan without limits: the benchmarks measure the machine, not the plan.
	mariadb --no-defaults --socket="$PROSPEA_VAR/run/mysqld.sock" prospea -e \
		"INSERT IGNORE INTO plan (code, name, position) VALUES ('bench', 'Bench', 99);
		 INSERT INTO subscription (user_id, plan_code, status, trial_ends_at, created_at,
		 updated_at) SELECT id, 'bench', 'active', NOW(), NOW(), NOW() FROM user_account
		 WHERE email = '$EMAIL'"
	CSRF=$(printf '%s\n' "$out" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
}
