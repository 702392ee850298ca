#!/usr/bin/env bash
# twinbench-edge posts its alerts to a partner over HTTPS as signed webhooks (docs/webhooks.md), and
# loses none while the partner is down. The partner is a local HTTPS receiver written in Python
# (tests/interop/webhook-receiver.py: it checks each signature with Python's hmac), with a certificate
# made here and trusted through webhooks.tls.ca_file. Four devices (MQTT clients written from the 3.1.1
# specification) send out-of-range readings: two alerts while the partner is up; then it goes down, two
# more alerts are raised, and it comes back on the same port. Every alert reaches it exactly once after
# dropping repeated Idempotency-Keys, and every signature checks.
# usage: edge-webhooks.sh <twinbench-edge> <models folder> <work dir>
set -euo pipefail
edge=$1 models=$(cd "$2" && pwd) work=$3 here=$(cd "$(dirname "$0")" && pwd)
command -v openssl > /dev/null || { echo "SKIP: no openssl command"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2> /dev/null
umask 077
printf 'a-shared-secret-of-32-bytes-0123\n' > "$work/cmms.key"
umask 022
pid= recv=
stop_recv() { if [ -n "$recv" ]; then kill "$recv" 2> /dev/null; wait "$recv" 2> /dev/null || true; fi; recv=; }
devices=
stop() { stop_recv; [ -z "$devices" ] || kill "$devices" 2> /dev/null || true; if [ -n "$pid" ]; then kill "$pid" 2> /dev/null; wait "$pid" 2> /dev/null || true; fi; pid=; }
trap stop EXIT
start_recv() {  # start_recv [port]
  rm -f "$work/port"
  python3 "$here/webhook-receiver.py" "$work/cert.pem" "$work/key.pem" "$work/cmms.key" "$work/posts.jsonl" "$work/port" "${1:-0}" 2> "$work/recv.err" &
  recv=$!
  for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.05; done
  [ -s "$work/port" ] || { echo "FAIL: the receiver did not start: $(cat "$work/recv.err")"; exit 1; }
}
start_recv
partner_port=$(cat "$work/port")
cat > "$work/edge.json" <<JSON
{"format": "twinbench-edge/1", "name": "g", "listen": {"port": 0},
 "auth": {"allow_anonymous": true, "acl": [{"identity": "anonymous", "publish": ["tb/g/#"]}]},
 "store_forward": {"storage": "store"},
 "edge_ai": {"model": "$models/compressor-ae", "batch_latency_ms": 50},
 "webhooks": {"tls": {"ca_file": "cert.pem"}, "partners": [{"name": "cmms", "url": "https://localhost:$partner_port/hooks", "secret_file": "cmms.key"}]}}
JSON
"$edge" --config "$work/edge.json" > "$work/out" 2> "$work/err" &
pid=$!
for _ in $(seq 200); do grep -q listening "$work/out" && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/out")
[ -n "$port" ] || { echo "FAIL: twinbench-edge did not start: $(cat "$work/err")"; exit 1; }
# The devices: one process holding four MQTT connections (so each keeps its own connection, and the gateway
# its state), sending a window of out-of-range readings for dev-a and dev-b at once, and for dev-c and
# dev-d once the file go2 exists.
RAWMQTT="$here" python3 - "$port" "$work/go2" <<'PY' > "$work/devices.out" 2>&1 &
import os, sys, time
sys.path.insert(0, os.environ["RAWMQTT"])
from rawmqtt import connect, send_window
port, go2 = int(sys.argv[1]), sys.argv[2]
socks = {c: connect(port, c, keepalive_s=0) for c in ["dev-a", "dev-b", "dev-c", "dev-d"]}
def anomalous(c):
    send_window(socks[c], "tb/g/%s/telemetry" % c, 6, 14)
anomalous("dev-a"); anomalous("dev-b")
for _ in range(600):
    if os.path.exists(go2): break
    time.sleep(0.1)
anomalous("dev-c"); anomalous("dev-d")
time.sleep(60)
PY
devices=$!
keys() { python3 -c 'import json,sys; print(len({json.loads(l)["key"] for l in open(sys.argv[1])}))' "$work/posts.jsonl" 2> /dev/null || echo 0; }
for _ in $(seq 100); do [ "$(keys)" -ge 2 ] && break; sleep 0.1; done
[ "$(keys)" -eq 2 ] || { echo "FAIL: $(keys) alerts reached the partner while it was up, expected 2"; cat "$work/err"; exit 1; }
stop_recv  # the partner goes down
touch "$work/go2"  # two more alerts
sleep 2  # posts fail meanwhile (connection refused): they wait in the queue, retried with backoff
start_recv "$partner_port"  # and comes back
for _ in $(seq 300); do [ "$(keys)" -ge 4 ] && break; sleep 0.1; done
python3 - "$work/posts.jsonl" <<'PY'
import json, sys
posts = [json.loads(l) for l in open(sys.argv[1])]
bad = [p for p in posts if not p["signature_ok"]]
if bad: sys.exit(f"FAIL: {len(bad)} posts with a signature that does not check")
unique = {}
for p in posts:
    unique.setdefault(p["key"], p["body"])
devices = sorted(b["data"]["device"] for b in unique.values())
if devices != ["dev-a", "dev-b", "dev-c", "dev-d"]:
    sys.exit(f"FAIL: the partner has alerts of {devices} ({len(posts)} posts), expected one each of dev-a, dev-b, dev-c, dev-d")
for b in unique.values():
    assert b["kind"] == "alert" and b["gateway"] == "g" and b["id"].startswith("g:cmms:"), b
print(f"ok: 4 alerts delivered exactly once after deduplication ({len(posts)} posts), every signature checks")
PY
stop  # the daemon reports each partner's SLA figures as it stops
grep -q "webhooks to cmms: 4 queued, 4 delivered (latency p50 [0-9]* ms, max [0-9]* ms), 0 refused, 0 dropped, 0 pending" "$work/err" ||
  { echo "FAIL: twinbench-edge's figures at stop do not say 4 alerts queued and delivered, none pending:"; tail -1 "$work/err"; exit 1; }
