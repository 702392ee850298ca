#!/usr/bin/env bash
# The lab in a box: twinbench-edge, the gateway under test, runs in a network namespace of its own behind
# a veth pair (scripts/lab-in-a-box), and twinbench hil drives 100 simulated devices at it across that
# link: 500 of 500 records must reach it. Where namespaces cannot be made (no root, a container), the
# same run goes over loopback, and the test says so (TWINBENCH_NO_NETNS=1 asks for that).
# usage: hil-lab-netns.sh <twinbench> <twinbench-edge> <source dir> <work dir>
set -euo pipefail
tb=$1 edge=$2 src=$3 work=$4
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib.sh"
start_lab_gateway "$edge" '{"format": "twinbench-edge/1", "name": "lab-gw-0", "auth": {"allow_anonymous": true, "acl": [{"identity": "anonymous", "publish": ["#"], "subscribe": ["#"]}]}, "listen": {"host": "HOST", "port": 0}, "forward_interval_ms": 200}' "$src"
cat > "$work/scenario.json" << JSON
{"format": "twinbench-scenario/1", "name": "lab-in-a-box", "duration_s": 5, "hil": {"speed": 2.5},
 "sites": [{"name": "lab", "gateways": 1, "devices_per_gateway": 100, "device": {"period_s": 1, "qos": 1}, "link": {"preset": "ethernet"}}]}
JSON
"$tb" hil "$work/scenario.json" --gateway "lab-gw-0=mqtt://$gw_host:$eport" --out "$work/out" --quiet > "$work/hil.stdout" ||
  { echo "FAIL: twinbench hil exited $?"; cat "$work/hil.stdout"; exit 1; }
kill -TERM "$edge_pid" && wait "$edge_pid"
grep -q "500 telemetry records, 0 protocol errors" "$work/edge.err" || { echo "FAIL: the gateway $where did not get 500 records"; cat "$work/edge.err"; exit 1; }
echo "ok: 100 simulated devices drove a gateway $where: 500 of 500 records"
