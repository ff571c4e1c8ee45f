#!/usr/bin/env bash
# Import benchmark, through nginx, on a stack of its own (bench/lib.sh):
# files in the gosom/google-maps-scraper layout made by bench/gen_gosom.py
# (about 1 kB a row, ~3 % places found twice), uploaded as text/csv, run
# as jobs by prospea-importer.
#  - a small file (10 000 rows) then a big one (100 000 rows), each for a
#    new account: rows per second of the import itself (the job's
#    started_at to finished_at) and end to end (upload to done);
#  - the big file again for the same account: every row a duplicate;
#  - peak resident memory (VmHWM) of the prospects handler children and of
#    the importer after each import: it must not grow with the file;
#  - search latency on the 100 000 prospects: wrk on GET /api/v1/prospects
#    with a handful of typical filters.
# Writes bench/results/import-<date>.txt and stops the stack.
# Usage: bench/import.sh [small rows] [big rows] [seconds of wrk per query]
set -euo pipefail
# shellcheck source=bench/lib.sh
. "$(dirname "$0")/lib.sh"
SMALL=${1:-10000} BIG=${2:-100000} DUR=${3:-10}
PY=/usr/bin/python3
command -v wrk >/dev/null || { echo "bench/import.sh needs wrk: apt-get install wrk" >&2; exit 1; }
bench_stack

# Peak resident set (kB) of the processes under a recorded multiwatch.
peak_kb() {
	local pid max=0 v
	for pid in $(pgrep -P "$(cat "$PROSPEA_VAR/run/$1.pid")"); do
		v=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		[ "${v:-0}" -gt "$max" ] && max=$v
	done
	echo "$max"
}

# Uploads $1 and waits for its job; prints one line of figures.
import_file() {
	local file=$1 t0 t1 id job
	t0=$(date +%s.%N)
	id=$(curl -fsS -X POST --data-binary @"$file" -H 'Content-Type: text/csv' \
		-H "X-CSRF-Token: $CSRF" -H "Cookie: $COOKIE" \
		"$URL/api/v1/imports?filename=$(basename "$file")" | $PY -c 'import json,sys; print(json.load(sys.stdin)["id"])')
	while :; do
		job=$(curl -fsS -H "Cookie: $COOKIE" "$URL/api/v1/imports/$id")
		case $job in *'"status":"done"'*|*'"status":"failed"'*) break ;; esac
		sleep 0.2
	done
	t1=$(date +%s.%N)
	$PY - "$job" "$t0" "$t1" "$(stat -c %s "$file")" <<'PY'
import json, sys, datetime
j = json.loads(sys.argv[1]); t0, t1, size = float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
r = j["result"] or {}
iso = lambda s: datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%SZ").timestamp()
run = max(iso(j["finished_at"]) - iso(j["started_at"]), 1)
print("status %s: %d rows (%.1f MB), %d created, %d duplicates, %d rejected, %d suppressed"
      % (j["status"], r.get("rows", 0), size / 1e6, r.get("created", 0), r.get("duplicates", 0),
         r.get("rejected", 0), r.get("suppressed", 0)))
print("  import (job started to finished, 1 s resolution): %.0f s, %.0f rows/s"
      % (run, r.get("rows", 0) / run))
print("  end to end (upload to done): %.1f s, %.0f rows/s" % (t1 - t0, r.get("rows", 0) / (t1 - t0)))
PY
	echo "  peak RSS so far: prospects handler children max $(peak_kb prospects) kB, importer $(peak_kb importer) kB"
}

mkdir -p bench/results "$PROSPEA_VAR/files"
OUT=bench/results/import-$(date -u +%Y-%m-%d).txt
small=$PROSPEA_VAR/files/gosom-$SMALL.csv big=$PROSPEA_VAR/files/gosom-$BIG.csv
[ -s "$small" ] || $PY bench/gen_gosom.py "$SMALL" --seed 1 >"$small"
[ -s "$big" ] || $PY bench/gen_gosom.py "$BIG" --seed 2 >"$big"
{
	echo "# bench/import.sh on $(date -u +%FT%TZ), $(nproc) cores, $PROSPEA_CHILDREN children per handler"
	echo "# before any import: prospects handler children max $(peak_kb prospects) kB, importer $(peak_kb importer) kB"
	echo
	echo "## $SMALL rows, new account"
	bench_user
	import_file "$small"
	echo
	echo "## $BIG rows, new account"
	bench_user
	import_file "$big"
	echo
	echo "## the same $BIG rows again, same account (all duplicates)"
	import_file "$big"
	echo
	echo "## search on $BIG prospects: wrk -t1 -c2 -d${DUR}s per query (two at a time: one per core)"
	for q in "q=boulangerie" "q=lyon&sort=name" "city=Lyon" "postal_code=69002" \
		"status=new&has_email=true" "category=Plombier&sort=rating" "q=zzzz-none" \
		"limit=200"; do
		printf '%-34s ' "$q"
		wrk -t1 -c2 -d"${DUR}s" --latency -H "Cookie: $COOKIE" \
			"$URL/api/v1/prospects?$q" | awk '/Requests\/sec/ {r=$2}
			/ 50%/ {p50=$2} / 99%/ {p99=$2} /Non-2xx/ {bad=$NF}
			END {printf "%s req/s, p50 %s, p99 %s%s\n", r, p50, p99, bad ? ", NON-2XX " bad : ""}'
	done
} | tee "$OUT"
echo "written to $OUT"
