#!/usr/bin/env bash
# A PLC-side OPC UA PubSub publisher (JSON mapping, OPC 10000-14 7.2.5) feeds twinbench-edge: the fixture
# NetworkMessage goes in with mosquitto_pub, and the gateway's uplink (on its own broker, read with
# mosquitto_sub) carries one telemetry record per DataSetMessage with a Payload.
# usage: edge-opcua.sh <twinbench-edge> <fixture.json> <work dir>      exit 77 = skipped (no mosquitto clients)
set -euo pipefail
edge=$1 fixture=$2 work=$3
for tool in mosquitto_pub mosquitto_sub; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool is not installed (apt-get install mosquitto-clients)"; exit 77; }
done
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib.sh"
start_edge "$edge" '{"format": "twinbench-edge/1", "name": "gw", "auth": {"allow_anonymous": true, "acl": [{"identity": "anonymous", "publish": ["#"], "subscribe": ["#"]}]}, "listen": {"port": 0}, "forward_interval_ms": 200,
  "opcua": {"topic_filter": "opcua/#", "fields": ["DischargePressure", "DischargeTemperature", "MotorCurrent"]}}'
port=$eport

stdbuf -oL mosquitto_sub -p "$port" -t 'tb/uplink/#' -C 1 -W 10 -F '%t %l' -d > "$work/uplink.raw" 2>&1 &
sub=$!
for _ in $(seq 200); do grep -q "received SUBACK" "$work/uplink.raw" 2> /dev/null && break; sleep 0.025; done
mosquitto_pub -p "$port" -q 1 -t opcua/plc-hall-1/compressors -f "$fixture"
wait "$sub" || true
# Three DataSetMessages with a Payload (a key frame, a delta frame, an event), a keep-alive: 3 records of
# 3 channels, each 6 bytes of framing + 16 + 3 x 4.
got=$(grep '^tb/uplink/' "$work/uplink.raw" || true)
[ "$got" = "tb/uplink/gw $((12 + 3 * (6 + 16 + 12)))" ] || { echo "FAIL: uplink '$got'"; cat "$work/uplink.raw" "$work/edge.err"; exit 1; }
kill -TERM "$edge_pid"
wait "$edge_pid"
grep -q "3 telemetry records, 0 protocol errors" "$work/edge.err" || { echo "FAIL: summary"; cat "$work/edge.err"; exit 1; }
echo "ok: an OPC UA PubSub JSON NetworkMessage became 3 telemetry records at the uplink"
