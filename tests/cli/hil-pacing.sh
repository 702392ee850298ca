#!/usr/bin/env bash
# twinbench hil paces a scenario to the wall clock without changing what it simulates:
#  1. at 20x, 4 simulated seconds take at least 0.2 s of wall time; summary.json has the "hil" KPIs
#     and otherwise the same results as twinbench run (the same trace hash);
#  2. an impossible pace under a hard limit stops with exit 1, says why, and writes nothing;
#  3. bad pacing options are usage errors (exit 2).
# usage: hil-pacing.sh <twinbench> <a scenario that takes ~1 s to simulate> <work dir>
set -euo pipefail
tb=$1 heavy=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
cat > "$work/paced.json" << 'JSON'
{"format": "twinbench-scenario/1", "name": "paced", "duration_s": 4, "hil": {"speed": 20, "tick_ms": 5},
 "sites": [{"name": "lab", "gateways": 1, "devices_per_gateway": 10, "device": {"period_s": 1}, "link": {"preset": "ethernet"}}]}
JSON

start=$(date +%s%N)
"$tb" hil "$work/paced.json" --out "$work/hil" --quiet > "$work/hil.stdout"
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
"$tb" run "$work/paced.json" --out "$work/run" --quiet > /dev/null
[ "$elapsed_ms" -ge 200 ] || { echo "FAIL: 4 simulated seconds at 20x took $elapsed_ms ms of wall time"; exit 1; }
python3 - "$work" << 'PY'
import json, sys
w = sys.argv[1]
hil, run = (json.load(open(f"{w}/{d}/summary.json")) for d in ("hil", "run"))
h = hil.pop("hil")
assert hil == run, "the paced run simulated something else"
assert h["speed"] == 20 and h["policy"] == "best-effort" and h["tick_ms"] == 5, h
assert h["ticks"] == 40, h  # a tick every 5 ms of wall time = 0.1 simulated s, over 4 s
assert 0 <= h["lag_ms"]["p50"] <= h["lag_ms"]["p99"] <= h["lag_ms"]["max"], h
assert 0 < h["achieved_speed"] <= 20.5, h
assert list(hil)[-1] == "trace_hash"
PY
grep -q "paced at 20x (best-effort)" "$work/hil.stdout" || { echo "FAIL: no pacing line in the KPI table"; cat "$work/hil.stdout"; exit 1; }

set +e
"$tb" hil "$heavy" --speed 100000 --hard-limit 20 --out "$work/too-fast" --quiet > "$work/fast.stdout" 2> "$work/fast.stderr"
code=$?
set -e
[ "$code" -eq 1 ] || { echo "FAIL: an impossible pace exited $code, expected 1"; cat "$work/fast.stderr"; exit 1; }
grep -q "^twinbench hil: the simulation fell .* ms behind the wall clock at simulated .* s (hard limit 20 ms at speed 1e+05): this machine cannot run the scenario that fast; lower the speed or the fleet (no results written)$" "$work/fast.stderr" ||
  { echo "FAIL: message"; cat "$work/fast.stderr"; exit 1; }
[ ! -e "$work/too-fast" ] || { echo "FAIL: a stopped run wrote results"; exit 1; }

for bad in "--speed fast" "--speed 0" "--hard-limit -3" "--best-effort --hard-limit 10"; do
  set +e
  # shellcheck disable=SC2086
  "$tb" hil "$work/paced.json" $bad --out "$work/bad" > /dev/null 2> "$work/bad.stderr"
  code=$?
  set -e
  [ "$code" -eq 2 ] || { echo "FAIL: '$bad' exited $code, expected 2"; cat "$work/bad.stderr"; exit 1; }
done
echo "ok: paced at 20x ($elapsed_ms ms for 4 s), same results as run; an impossible hard limit stops with exit 1; bad options exit 2"
