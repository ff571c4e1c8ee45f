#!/usr/bin/env bash
# Runs bench/isolation against the dev stack's database (./dev up first)
# and records the result in bench/results/isolation-<date>.txt.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
make -s bench/isolation
mkdir -p bench/results
OUT=bench/results/isolation-$(date -u +%Y-%m-%d).txt
{
	echo "# bench/isolation.sh on $(date -u +%FT%TZ), $(nproc) cores"
	bench/isolation "${PROSPEA_VAR:-$ROOT/var}/prospea.conf" "$@"
} | tee "$OUT"
