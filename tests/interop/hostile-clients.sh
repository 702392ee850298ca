#!/usr/bin/env bash
# twinbench-edge under hostile clients on loopback (tests/interop/hostile-clients.py says which), with
# a 3 s CONNECT timeout so that the test stays short (the daemon sweeps every second); then SIGTERM, and
# its stop line must count what it refused.
# usage: hostile-clients.sh <twinbench-edge> <work dir>
set -euo pipefail
edge=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib.sh"
ulimit -n "$(ulimit -Hn)"  # 5,000 idle sockets held at once, on both ends
[ "$(ulimit -n)" -ge 12000 ] || { echo "SKIP: at most $(ulimit -n) open files here; the test holds 10,000"; exit 77; }
start_edge "$edge" '{"format": "twinbench-edge/1", "name": "gw-hostile", "auth": {"allow_anonymous": true, "acl": [{"identity": "anonymous", "publish": ["#"], "subscribe": ["#"]}]}, "listen": {"host": "127.0.0.1", "port": 0},
  "mqtt": {"connect_timeout_ms": 3000}}'
python3 "$(dirname "$0")/hostile-clients.py" "$eport" "$edge_pid" 3 1 || { echo "--- twinbench-edge stderr:"; tail -5 "$work/edge.err"; exit 1; }
kill -TERM "$edge_pid"
wait "$edge_pid" || { echo "FAIL: twinbench-edge exited $? on SIGTERM"; cat "$work/edge.err"; exit 1; }
stop_line=$(grep "stopped after" "$work/edge.err")
echo "$stop_line"
timeouts=$(sed -n 's/.* \([0-9]*\) without CONNECT.*/\1/p' <<< "$stop_line")
[ "${timeouts:-0}" -ge 5200 ] || { echo "FAIL: $timeouts connections closed for want of a CONNECT (expected at least 5,000 idle + 200 CONNECTs cut short)"; exit 1; }
dropped=$(sed -n 's/.*not delivered: \([0-9]*\) from full queues.*/\1/p' <<< "$stop_line")
[ "${dropped:-0}" -gt 0 ] || { echo "FAIL: the slow consumer's queue never overflowed, or its drops went uncounted"; exit 1; }
echo "PASS"
