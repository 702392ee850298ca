#!/usr/bin/env bash
# twinbench sweep, interrupted and resumed: the first run is stopped (SIGINT) once a cell has completed and
# exits 130 saying how to resume; the same command again runs only the cells without results, leaves the
# completed ones as they were, and adds every seed up: cells.csv has a row per seed, aggregate.json a
# distribution over all of them, and every gate of the scenario holds over them (exit 0).
# usage: sweep-resume.sh <twinbench> <scenario> <seeds A..B> <work dir>
set -uo pipefail
tb=$1 scenario=$2 seeds=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
out="$work/sweep"
"$tb" sweep "$scenario" --seeds "$seeds" --jobs 2 --out "$out" --junit "$work/junit.xml" > "$work/first.stdout" 2> "$work/first.stderr" &
pid=$!
for _ in $(seq 3000); do  # until a cell completes (at most 300 s), then interrupt
  compgen -G "$out/cells/p0/seed-*/run.json" > /dev/null && break
  kill -0 "$pid" 2> /dev/null || break
  sleep 0.1
done
kill -INT "$pid"
wait "$pid"
code=$?
[ "$code" -eq 130 ] || fail "the interrupted sweep exited $code, expected 130: $(tail -n 5 "$work/first.stderr")"
grep -q "run the same command again to resume" "$work/first.stderr" || fail "no resume hint: $(tail -n 3 "$work/first.stderr")"
done_before=()
for f in "$out"/cells/p0/seed-*/run.json; do done_before+=("$f:$(md5sum < "$f")"); done
[ "${#done_before[@]}" -ge 1 ] || fail "no cell completed before the interrupt"
! compgen -G "$out/cells/p0/*.partial-*" > /dev/null || fail "an interrupted cell left its staging folder"

"$tb" sweep "$scenario" --seeds "$seeds" --jobs 2 --out "$out" --junit "$work/junit.xml" > "$work/second.stdout" 2> "$work/second.stderr"
code=$?
[ "$code" -eq 0 ] || fail "the resumed sweep exited $code: $(cat "$work/second.stdout" "$work/second.stderr")"
for entry in "${done_before[@]}"; do
  f=${entry%%:*} sum=${entry#*:}
  [ "$(md5sum < "$f")" = "$sum" ] || fail "$f was run again after the resume"
done
ran=$(grep -c ': done in ' "$work/second.stderr")
total=$(( ${seeds#*..} - ${seeds%%..*} + 1 ))
[ "$ran" -eq $(( total - ${#done_before[@]} )) ] || fail "the resume ran $ran cells, expected $(( total - ${#done_before[@]} ))"
[ "$(tail -n +2 "$out/cells.csv" | grep -c '^p0,[0-9]*,ok,0,')" -eq "$total" ] || fail "cells.csv: not $total completed cells with no failed gate"
python3 - "$out/aggregate.json" "$total" <<'PY' || fail "aggregate.json"
import json, sys
a = json.load(open(sys.argv[1])); n = int(sys.argv[2])
p = a["points"][0]
assert a["passed"] is True and p["cells"]["completed"] == n, p["cells"]
d = p["kpis"]["/messages/delivery_ratio"]
assert d["n"] == n and d["ci95"]["method"] == "wilson" and d["ci95"]["low"] <= d["mean"] <= d["ci95"]["high"], d
r = p["kpis"]["/detection/recall"]
assert r["n"] == 0 or (r["ci95"]["method"] == "wilson" and r["ci95"]["trials"] >= n), r  # null where nothing was injected
assert all(g["passed"] for g in p["gates"]), [g for g in p["gates"] if not g["passed"]]
PY
grep -q 'failures="0"' "$work/junit.xml" && grep -q '<property name="value"' "$work/junit.xml" || fail "JUnit: $(head -n 12 "$work/junit.xml")"
echo "ok: interrupted after ${#done_before[@]} cell(s), resumed the other $ran; $total seeds add up; every gate holds"
