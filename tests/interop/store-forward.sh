#!/usr/bin/env bash
# Store-and-forward that loses nothing: with its uplink broker down, twinbench-edge takes 10,000 records
# from a device and stores them (the test reads the segment files itself); it is killed with kill -9;
# the broker (mosquitto) comes up, the gateway restarts, and all 10,000 reach the cloud, each with its
# record id (those sent twice are counted by id). Then the same with SIGTERM: 100 records taken with
# the broker down survive a clean stop, whose last line says they are stored. Needs mosquitto.
# usage: store-forward.sh <twinbench-edge> <source dir> <work dir>
set -euo pipefail
edge=$1 src=$2 work=$3
command -v mosquitto > /dev/null || { echo "SKIP: mosquitto is not installed"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
py() { python3 "$here/store-forward.py" "$@"; }
cd "$work"
printf 'dev-secret\n' | "$edge" passwd passwords d1 --cost 4 2> /dev/null
cloud_port=$(free_port)  # the uplink broker's port: nothing listens there yet
cat > edge.json << JSON
{"format": "twinbench-edge/1", "name": "g", "listen": {"port": 0}, "forward_interval_ms": 200,
 "auth": {"password_file": "passwords", "acl": [{"identity": "*", "publish": ["tb/%g/%u/#"]}]},
 "uplink": {"broker": "mqtt://127.0.0.1:$cloud_port"},
 "store_forward": {"storage": "buffer", "sync_interval_ms": 100},
 "uplink_buffer_bytes": 4194304}
JSON
run_edge() {
  "$edge" --config edge.json > edge.out 2> edge.err &
  edge_pid=$!
  pids+=("$edge_pid")
  for _ in $(seq 200); do grep -q "listening on" edge.out 2> /dev/null && break; sleep 0.05; done
  eport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' edge.out)
  [ -n "$eport" ] || { echo "FAIL: twinbench-edge did not start: $(cat edge.err)"; exit 1; }
}
run_cloud() {  # mosquitto on the port the gateway's uplink points at
  printf 'listener %s 127.0.0.1\nallow_anonymous true\n' "$cloud_port" > mosquitto.conf
  mosquitto -c mosquitto.conf > mosquitto.log 2>&1 &
  mosq_pid=$!
  pids+=("$mosq_pid")
  wait_for_port "$cloud_port"
  kill -0 "$mosq_pid" 2> /dev/null || { echo "FAIL: mosquitto could not take port $cloud_port: $(cat mosquitto.log)"; exit 1; }
}

wait_subscribed() {  # the cloud's subscriber is in place before the gateway comes back
  for _ in $(seq 200); do grep -q "^subscribed" collect.out 2> /dev/null && return 0; sleep 0.05; done
  echo "FAIL: the cloud's subscriber did not subscribe: $(cat collect.out)"; exit 1
}

# 1. kill -9 with 10,000 records stored.
run_edge
py publish "$eport" d1 dev-secret 0 10000
py stored buffer 10000
kill -9 "$edge_pid"; wait "$edge_pid" 2> /dev/null || true
run_cloud
py collect "$cloud_port" 0 10000 > collect.out &
collect_pid=$!
wait_subscribed
run_edge
wait "$collect_pid" || { cat collect.out; echo "edge: $(cat edge.err)"; exit 1; }
cat collect.out
grep -q "uplink buffer: 10000 records from the last run to send" edge.err || { echo "FAIL: the restart did not say what it recovered: $(cat edge.err)"; exit 1; }

# 2. SIGTERM with the broker down: 100 records stored by the clean stop, delivered after it.
kill "$mosq_pid"; wait "$mosq_pid" 2> /dev/null || true
py publish "$eport" d1 dev-secret 10000 100
kill -TERM "$edge_pid"; wait "$edge_pid" || { echo "FAIL: twinbench-edge exited $? on SIGTERM"; exit 1; }
grep -q "; 100 records not yet acknowledged by the uplink (stored: sent at the next start)$" edge.err ||
  { echo "FAIL: the stop line: $(tail -1 edge.err)"; exit 1; }
run_cloud
py collect "$cloud_port" 10000 100 > collect.out &
collect_pid=$!
wait_subscribed
run_edge
wait "$collect_pid" || { cat collect.out; exit 1; }
cat collect.out
kill -TERM "$edge_pid"; wait "$edge_pid"
echo "ok: 10,000 records stored with the uplink down survived kill -9 and reached the cloud; 100 more survived SIGTERM"
