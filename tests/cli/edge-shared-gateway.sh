#!/usr/bin/env bash
# twinbench-edge on a gateway shared by two asset classes (other_classes): compressors publish on
# tb/g/<device>/telemetry/compressor, pumps on .../pump; each class's records go to its own model, and
# alerts carry the rule of the device's class. Two devices send out-of-range readings over real MQTT
# (a client written here from the MQTT 3.1.1 specification); the alerts that reach tb/alerts/g name each
# device with its class's rule: the compressor's (rule 0), the pump's (rule 1); a pump sending records of the
# compressor's shape (6 channels, not 7) raises nothing. The audit log lists both models.
# usage: edge-shared-gateway.sh <twinbench-edge> <models folder> <work dir>
set -euo pipefail
edge=$1 models=$(cd "$2" && pwd) work=$3
command -v mosquitto_sub > /dev/null || { echo "SKIP: mosquitto_sub is not installed (apt-get install mosquitto-clients)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
printf 'cloud-secret\n' | "$edge" passwd "$work/passwords" cloud --cost 4 2> /dev/null
cat > "$work/edge.json" <<JSON
{"format": "twinbench-edge/1", "name": "g", "listen": {"port": 0}, "audit_log": "audit.jsonl",
 "auth": {"password_file": "passwords", "allow_anonymous": true,
          "acl": [{"identity": "cloud", "subscribe": ["tb/alerts/g"]}, {"identity": "anonymous", "publish": ["tb/g/#"]}]},
 "telemetry_filter": "tb/g/+/telemetry/compressor",
 "edge_ai": {"model": "$models/compressor-ae", "batch_latency_ms": 50},
 "other_classes": [{"telemetry_filter": "tb/g/+/telemetry/pump", "edge_ai": {"model": "$models/pump-ae", "batch_latency_ms": 50}}]}
JSON
pid= sub=
stop() { for p in $sub $pid; do kill "$p" 2> /dev/null && wait "$p" 2> /dev/null; done; pid= sub=; }
trap stop EXIT
"$edge" --config "$work/edge.json" > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 200); do grep -q listening "$work/out" && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/out")
[ -n "$port" ] || { echo "FAIL: twinbench-edge did not start: $(cat "$work/err")"; exit 1; }
grep -q '"other_classes":\[{"model":{"asset_class":"pump","id":"pump-ae"' "$work/audit.jsonl" ||
  { echo "FAIL: the audit log's runtime_started does not list the pump's model"; cat "$work/audit.jsonl"; exit 1; }
mosquitto_sub -p "$port" -u cloud -P cloud-secret -t tb/alerts/g -v -W 30 > "$work/alerts" 2>&1 &
sub=$!
sleep 0.5  # mosquitto_sub reports no "subscribed" line; give it its SUBACK
RAWMQTT="$(cd "$(dirname "$0")/../interop" && pwd)" python3 - "$port" <<'PY'
import os, sys, time
sys.path.insert(0, os.environ["RAWMQTT"])
from rawmqtt import connect, send_window
port = int(sys.argv[1])
def device(client, topic, channels, records):
    s = connect(port, client)
    send_window(s, topic, channels, records)
    return s
kept = [device("comp-1", "tb/g/1/telemetry/compressor", 6, 14), device("pump-2", "tb/g/2/telemetry/pump", 7, 14),
        device("pump-3", "tb/g/3/telemetry/pump", 6, 1)]
time.sleep(3)  # the sessions stay open while the alerts go up
PY
for _ in $(seq 100); do grep -q comp-1 "$work/alerts" && grep -q pump-2 "$work/alerts" && break; sleep 0.1; done
python3 - "$work/alerts" <<'PY' || { cat "$work/alerts"; exit 1; }
import json, sys
seen = {}
for line in open(sys.argv[1]):
    topic, _, payload = line.partition(" ")
    for device, rule, severity, roles, raised_us, score, client in json.loads(payload)["alerts"]:
        seen.setdefault(client, set()).add(rule)
want = {"comp-1": {0}, "pump-2": {1}}
if seen != want: sys.exit(f"FAIL: alerts by client and rule {seen}, expected {want}")
PY
stop
echo "ok: one gateway, two classes: each device alerted by its class's model and rule"
