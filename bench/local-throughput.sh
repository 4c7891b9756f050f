#!/usr/bin/env bash
# Runs N lines through the whole pipeline on the embedded default against the simulated endpoint and
# prints wall time, lines/s and peak RSS of the one process that holds emulators, simulator and workers.
#   bench/local-throughput.sh 2000
set -euo pipefail
cd "$(dirname "$0")/.."
lines=${1:-2000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./scripts/pnpm exec node bench/make-sum-prompts.mjs "$lines" > "$work/input.jsonl"
start=$(date +%s.%N)
/usr/bin/time -f '%M' -o "$work/rss" ./scripts/pnpm thinkbatch run "$work/input.jsonl" --simulate --out "$work/out" > "$work/stdout" 2> "$work/stderr"
end=$(date +%s.%N)
grep -q "completed" "$work/stdout" || { cat "$work/stdout" "$work/stderr"; exit 1; }
awk -v s="$start" -v e="$end" -v n="$lines" -v rss="$(cat "$work/rss")" \
  'BEGIN { w = e - s; printf "lines=%d wall_s=%.1f lines_per_s=%.1f peak_rss_mb=%.0f\n", n, w, n / w, rss / 1024 }'
