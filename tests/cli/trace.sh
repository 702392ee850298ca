#!/usr/bin/env bash
# twinbench run --trace: trace.json, the run as a timeline in the Chrome trace event format.
#  1. the same run twice gives the same bytes; without --trace there is no trace.json, and running again
#     without it into the same folder removes the old one (twinbench wrote it);
#  2. against the scenario and the run's other outputs: a "WAN down" slice for each gateway of the site the
#     scenario takes offline, at its at_s for its duration_s (scenario.json); an alert instant for each alert
#     raised (summary.json) and the counters summing to the same; a fault onset instant for each injected
#     fault (ground_truth.csv); every event with the fields the format requires.
# usage: trace.sh <twinbench> <scenario folder with a WAN outage> <work dir>
set -euo pipefail
tb=$1 scenario=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$tb" run "$scenario" --out "$work/a" --trace --quiet > /dev/null
"$tb" run "$scenario" --out "$work/b" --trace --quiet > /dev/null
cmp "$work/a/trace.json" "$work/b/trace.json" || { echo "FAIL: two runs of one seed gave different traces"; exit 1; }
"$tb" run "$scenario" --out "$work/b" --quiet > /dev/null
[ ! -e "$work/b/trace.json" ] || { echo "FAIL: a run without --trace left the old trace.json"; exit 1; }
python3 - "$scenario/scenario.json" "$work/a" << 'PY'
import csv, json, sys
scenario, out = json.load(open(sys.argv[1])), sys.argv[2]
trace = json.load(open(out + "/trace.json"))
summary = json.load(open(out + "/summary.json"))
events = trace["traceEvents"]
for e in events:
    assert {"name", "ph", "pid"} <= e.keys(), e
    assert e["ph"] == "M" or isinstance(e["ts"], int), e
    assert e["ph"] == "C" or "tid" in e, e
    assert e["ph"] != "X" or (isinstance(e["dur"], int) and e["dur"] >= 0), e
threads = {(e["pid"], e["tid"]): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "thread_name"}
sites = {(e["pid"]): e["args"]["name"] for e in events if e["ph"] == "M" and e["name"] == "process_name"}
outage = next(f for f in scenario["faults"] if f["kind"] == "link_down" and f["link"] == "wan")
site = next(s for s in scenario["sites"] if s["name"] == outage["site"])
slices = [e for e in events if e["ph"] == "X" and e["name"] == "WAN down"]
assert len(slices) == site["gateways"], slices
for e in slices:
    assert e["ts"] == outage["at_s"] * 10**6 and e["dur"] == outage["duration_s"] * 10**6, e
    assert sites[e["pid"]] == "site " + outage["site"] and threads[(e["pid"], e["tid"])].startswith(outage["site"] + "-gw-"), e
alerts = [e for e in events if e["ph"] == "i" and e["name"] == "alert"]
raised = summary["detection"]["alerts"]["raised_at_gateways"]
assert len(alerts) == raised > 0, (len(alerts), raised)
assert sum(e["args"]["alerts"] for e in events if e["ph"] == "C") == raised
faults = list(csv.DictReader(open(out + "/ground_truth.csv")))
onsets = [e for e in events if e["ph"] == "i" and e["name"].startswith("fault onset: ")]
assert len(onsets) == len(faults) > 0, (len(onsets), len(faults))
assert trace["otherData"]["marks_left_out"] == 0
print(f"ok: {len(events)} events; {len(slices)} WAN outage slices as the scenario says, {len(alerts)} alerts, {len(onsets)} fault onsets")
PY
