#!/usr/bin/env bash
# A lifecycle scenario: its assertions hold (exit 0); the same seed twice gives byte-identical results,
# audit log, versions over time and model registry; the audit log verifies against the head run.json
# kept, and fails (exit 1) once a record in it is altered.
# usage: lifecycle.sh <twinbench> <scenario> <work dir>
set -euo pipefail
tb=$1 scenario=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$tb" run "$scenario" --out "$work/a" --junit "$work/a.junit.xml" --quiet > "$work/a.stdout"
"$tb" run "$scenario" --out "$work/b" --quiet > "$work/b.stdout"
for f in summary.json gateways.csv timeseries.csv versions.csv audit.jsonl; do
  [ -s "$work/a/$f" ] || { echo "FAIL: no $f"; exit 1; }
  cmp "$work/a/$f" "$work/b/$f" || { echo "FAIL: $f differs between two runs with the same seed"; exit 1; }
done
if [ -d "$work/a/registry" ]; then
  diff -r "$work/a/registry" "$work/b/registry" > /dev/null || { echo "FAIL: the model registries differ between two runs"; exit 1; }
  [ -s "$work/a/registry/index.json" ] || { echo "FAIL: no registry/index.json"; exit 1; }
fi
head=$(sed -n 's/.*"audit_head": "\([0-9a-f]*\)".*/\1/p' "$work/a/run.json")
"$tb" audit verify "$work/a/audit.jsonl" --expect-head "$head" > /dev/null || { echo "FAIL: the run's audit log does not verify"; exit 1; }
# Alter one record in the middle (its details), leaving its hash: verify must name it.
n=$(wc -l < "$work/a/audit.jsonl")
mid=$(( (n + 1) / 2 ))
sed "${mid}s/\"details\":{/\"details\":{\"forged\":true,/" "$work/a/audit.jsonl" > "$work/tampered.jsonl"
set +e
"$tb" audit verify "$work/tampered.jsonl" > /dev/null 2> "$work/tampered.err"
code=$?
set -e
[ "$code" -eq 1 ] && grep -q "tampered.jsonl:$mid: record $((mid - 1)): modified" "$work/tampered.err" ||
  { echo "FAIL: a modified audit record was not found (exit $code: $(cat "$work/tampered.err"))"; exit 1; }
echo "ok: $(basename "$scenario"): assertions hold, results and registry byte-identical twice, audit log of $n records verifies, an altered record $((mid - 1)) is found"
