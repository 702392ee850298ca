#!/usr/bin/env bash
# Same scenario + seed => byte-identical result files and stdout; another seed => another trace hash.
# usage: determinism.sh <twinbench> <scenario> <work dir>
set -euo pipefail
tb=$1 scenario=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
for run in a:1 b:1 c:2; do
  "$tb" run "$scenario" --seed "${run#*:}" --out "$work/${run%%:*}" --quiet > "$work/${run%%:*}.stdout"
done
for f in summary.json messages.csv ground_truth.csv; do
  cmp "$work/a/$f" "$work/b/$f" || { echo "FAIL: $f differs between two runs with seed 1"; exit 1; }
done
cmp "$work/a.stdout" "$work/b.stdout" || { echo "FAIL: the KPI table differs between two runs with seed 1"; exit 1; }
hash() { sed -n 's/.*"trace_hash": "\([0-9a-f]*\)".*/\1/p' "$1"; }
h1=$(hash "$work/a/summary.json") h2=$(hash "$work/c/summary.json")
[ ${#h1} -eq 16 ] || { echo "FAIL: no trace_hash in summary.json"; exit 1; }
[ "$h1" != "$h2" ] || { echo "FAIL: seeds 1 and 2 gave the same trace hash $h1"; exit 1; }
echo "ok: seed 1 twice -> identical files (trace $h1); seed 2 -> trace $h2"
