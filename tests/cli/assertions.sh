#!/usr/bin/env bash
# A run whose assertion fails exits 1, names the failed KPI, still writes its results, and writes JUnit XML.
# usage: assertions.sh <twinbench> <scenario> <work dir>
set -uo pipefail
tb=$1 scenario=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$tb" run "$scenario" --out "$work/out" --junit "$work/junit.xml" --quiet > "$work/stdout" 2> "$work/stderr"
code=$?
[ "$code" -eq 1 ] || { echo "FAIL: exit code $code, expected 1"; cat "$work/stderr"; exit 1; }
grep -q '^ASSERTION FAILED: /latency_ms/p99 = .*, expected <= 0.001$' "$work/stderr" || { echo "FAIL: no failure line"; cat "$work/stderr"; exit 1; }
[ "$(grep -c 'ASSERTION FAILED' "$work/stderr")" -eq 1 ] || { echo "FAIL: the passing assertion was reported as failed"; exit 1; }
[ -s "$work/out/summary.json" ] || { echo "FAIL: results missing after an assertion failure"; exit 1; }
grep -q 'tests="2" failures="1"' "$work/junit.xml" || { echo "FAIL: JUnit counts"; cat "$work/junit.xml"; exit 1; }
grep -q '<failure message="/latency_ms/p99 = ' "$work/junit.xml" || { echo "FAIL: JUnit failure element"; exit 1; }
echo "ok: exit 1, one failed assertion reported, JUnit written"
