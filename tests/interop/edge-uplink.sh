#!/usr/bin/env bash
# twinbench-edge with its uplink on an external broker (Debian's mosquitto): a device publishes
# telemetry records to the gateway's embedded broker, the gateway forwards them at QoS 1 to mosquitto,
# where a "cloud" subscriber with a persistent session takes them. Then mosquitto goes away: the
# gateway keeps the records (store-and-forward) and reconnects with backoff when mosquitto is back,
# and every record reaches the cloud.
# The uplink speaks MQTT 3.1.1, or MQTT 5 with a third argument "5" (then its session has an expiry).
# usage: edge-uplink.sh <twinbench-edge> <work dir> [5]      exit 77 = skipped (mosquitto not installed)
set -euo pipefail
edge=$1 work=$2 version=${3:-3.1.1}
for tool in mosquitto_pub mosquitto_sub; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool is not installed (apt-get install mosquitto-clients)"; exit 77; }
done
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$mosquitto_bin" ] || { echo "SKIP: mosquitto is not installed (apt-get install mosquitto)"; exit 77; }
rm -rf "$work" && mkdir -p "$work/db"
source "$(dirname "$0")/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)

# mosquitto keeps its sessions on disk across the restart below (the cloud's queued messages with them).
start_mosquitto "$mosquitto_bin" "listener PORT1 127.0.0.1
allow_anonymous true
persistence true
persistence_location $work/db/" 1
mport=${mports[0]}
restart_mosquitto() {  # on its port, which the gateway's uplink is configured with
  "$mosquitto_bin" -c "$work/mosquitto.conf" >> "$work/mosquitto.log" 2>&1 &
  mosq_pid=$!
  pids+=($mosq_pid)
  wait_for_port "$mport"
}
mosquitto_sub -p "$mport" -i cloud -c -q 1 -t 'tb/uplink/#' -E  # the cloud's persistent session

start_edge "$edge" "{\"format\": \"twinbench-edge/1\", \"name\": \"gw\", \"auth\": {\"allow_anonymous\": true, \"acl\": [{\"identity\": \"anonymous\", \"publish\": [\"#\"], \"subscribe\": [\"#\"]}]}, \"listen\": {\"port\": 0}, \"forward_interval_ms\": 200,
  \"uplink\": {\"broker\": \"mqtt://127.0.0.1:$mport\", \"keepalive_s\": 5, \"mqtt_version\": \"$version\"}}"
grep -q "uplink to mqtt://127.0.0.1:$mport" "$work/edge.out" || { echo "FAIL: no uplink line"; cat "$work/edge.out"; exit 1; }

record() {  # a telemetry record (runtime/Telemetry.hpp): version 1, 2 channels, timestamp, seq, 2 floats
  printf '\x01\x02\x00\x00'; printf "\\x$(printf %02x "$1")\\x00\\x00\\x00\\x00\\x00\\x00\\x00"
  printf "\\x$(printf %02x "$1")\\x00\\x00\\x00"; printf '\x00\x00\x80\x3f\x00\x00\x00\x40'
}
for seq in 1 2 3 4; do record "$seq" > "$work/record-$seq.bin"; done
[ "$(stat -c %s "$work/record-1.bin")" -eq 24 ] || { echo "FAIL: test record is not 24 bytes"; exit 1; }

# 1. One record: at the cloud as one batch of 12 + 6 + 24 bytes (docs/store-and-forward.md), record seq 1.
mosquitto_pub -p "$eport" -q 1 -t tb/gw/0/telemetry -f "$work/record-1.bin"
mosquitto_sub -p "$mport" -i cloud -c -q 1 -t 'tb/uplink/#' -C 1 -W 10 -F '%t %x' > "$work/cloud-1"
[ "$(python3 "$here/uplink.py" < "$work/cloud-1")" = "tb/uplink/gw 1" ] && [ "$(sed 's/.* //' "$work/cloud-1" | wc -c)" -eq $((2 * 42 + 1)) ] ||
  { echo "FAIL: first uplink: '$(cat "$work/cloud-1")'"; cat "$work/edge.err"; exit 1; }

# 2. mosquitto goes away; three records arrive meanwhile; mosquitto comes back.
kill -TERM "$mosq_pid" && wait "$mosq_pid" || true
for seq in 2 3 4; do mosquitto_pub -p "$eport" -q 1 -t tb/gw/0/telemetry -f "$work/record-$seq.bin"; done
# Reconnect attempts with nowhere to go: wait until the gateway says its uplink failed.
for _ in $(seq 200); do grep -q 'uplink: ' "$work/edge.err" && break; sleep 0.05; done
grep -q 'uplink: ' "$work/edge.err" || { echo "FAIL: the gateway did not notice its uplink was gone"; cat "$work/edge.err"; exit 1; }
restart_mosquitto
mosquitto_sub -p "$mport" -i cloud -c -q 1 -t 'tb/uplink/#' -C 1 -W 15 -F '%t %x' > "$work/cloud-2"
[ "$(python3 "$here/uplink.py" < "$work/cloud-2")" = "tb/uplink/gw 2 3 4" ] ||
  { echo "FAIL: after the outage: '$(cat "$work/cloud-2")' (expected the 3 kept records)"; cat "$work/edge.err"; exit 1; }

kill -TERM "$edge_pid"
wait "$edge_pid" || { echo "FAIL: twinbench-edge exit $? on SIGTERM"; cat "$work/edge.err"; exit 1; }
grep -q "4 telemetry records" "$work/edge.err" || { echo "FAIL: summary"; cat "$work/edge.err"; exit 1; }
grep -q "uplink: 2 connects, 2 acknowledged, 0 pending" "$work/edge.err" || { echo "FAIL: uplink summary"; cat "$work/edge.err"; exit 1; }
echo "ok: 4 records reached the cloud through mosquitto, 3 of them kept across a broker outage"
