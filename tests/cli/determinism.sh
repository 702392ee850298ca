#!/usr/bin/env bash
# Same scenario + seed => byte-identical result files and stdout, with or without progress output;
# another seed => another trace hash.
# usage: determinism.sh <twinbench> <scenario> <work dir>
set -euo pipefail
tb=$1 scenario=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
# Run a shows progress, b and c do not: progress must not change a run.
"$tb" run "$scenario" --seed 1 --out "$work/a" > "$work/a.stdout" 2> "$work/a.stderr"
"$tb" run "$scenario" --seed 1 --out "$work/b" --quiet > "$work/b.stdout"
"$tb" run "$scenario" --seed 2 --out "$work/c" --quiet > "$work/c.stdout"
grep -q '100%' "$work/a.stderr" || { echo "FAIL: no progress line on stderr without --quiet"; exit 1; }
for f in summary.json sites.csv gateways.csv timeseries.csv latency.csv ground_truth.csv outages.csv report.html; do
  cmp "$work/a/$f" "$work/b/$f" || { echo "FAIL: $f differs between two runs with seed 1"; exit 1; }
done
cmp "$work/a.stdout" "$work/b.stdout" || { echo "FAIL: the KPI table differs between two runs with seed 1"; exit 1; }
hash() { sed -n 's/.*"trace_hash": "\([0-9a-f]*\)".*/\1/p' "$1"; }
h1=$(hash "$work/a/summary.json") h2=$(hash "$work/c/summary.json")
[ ${#h1} -eq 16 ] || { echo "FAIL: no trace_hash in summary.json"; exit 1; }
[ "$h1" != "$h2" ] || { echo "FAIL: seeds 1 and 2 gave the same trace hash $h1"; exit 1; }
echo "ok: seed 1 twice -> identical files (trace $h1); seed 2 -> trace $h2"
