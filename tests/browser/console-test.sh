#!/usr/bin/env bash
# The console as people use it: a twinbench-edge in the lab in a box (this machine: loopback, a
# certificate made here, the compressor model), with devices written from the MQTT specification
# (tests/interop/rawmqtt.py) that go anomalous when told to, and headless Chromium driven by
# tests/browser/console.mjs, logging in as a technician, an operator and a manager.
# Skipped (exit 77) only where Chromium, node, openssl or the npm packages are missing (scripts/install-deps installs them).
# usage: console-test.sh <twinbench-edge> <models folder> <work dir> [screenshots dir]
set -uo pipefail
edge=$1 models=$(cd "$2" && pwd) work=$3 shots=${4:-$3} here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "SKIP: no $chromium (scripts/install-deps installs it)"; exit 77; }
[ -d "$here/node_modules/puppeteer-core" ] || { echo "SKIP: no puppeteer-core in $here/node_modules (scripts/install-deps runs npm ci)"; exit 77; }
command -v node > /dev/null || { echo "SKIP: no node"; exit 77; }
command -v openssl > /dev/null || { echo "SKIP: no openssl command"; exit 77; }
rm -rf "$work" && mkdir -p "$work" "$shots"
cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout key.pem -out cert.pem 2> /dev/null
chmod 600 key.pem
printf 'tom tom-secret-1\nolga olga-secret-1\nmax max-secret-1\n' | "$edge" passwd passwords --batch --cost 10 > /dev/null || { echo "FAIL: passwd"; exit 1; }
# Criticals go to technicians and operators, warnings to operators only (the operator will turn the rule's severity down).
cat > rules.json <<'JSON'
{"format": "twinbench-rules/1", "rules": [{"name": "anomaly", "raise_above": "model", "clear_ratio": 0.5, "severity": "critical"}],
 "routes": {"info": ["executive"], "warning": ["operator", "executive"], "critical": ["technician", "operator", "executive"]}}
JSON
cat > edge.json <<JSON
{"format": "twinbench-edge/1", "name": "line-3", "listen": {"port": 0},
 "auth": {"password_file": "passwords", "allow_anonymous": true, "acl": [{"identity": "anonymous", "publish": ["tb/line-3/#"]}]},
 "audit_log": "audit.jsonl",
 "edge_ai": {"model": "$models/compressor-ae", "batch_latency_ms": 50, "rules": "rules.json"},
 "twin": {"models": ["$models/dtdl"], "interface": "dtmi:twinbench:Compressor;1"},
 "console": {"listen": {"port": 0}, "tls": {"cert_file": "cert.pem", "key_file": "key.pem"}, "rules_dir": "rules",
             "users": {"tom": "technician", "olga": "operator", "max": "manager"},
             "economics": {"currency": "EUR", "downtime_cost_per_hour": 1500, "unplanned_downtime_h": 12, "planned_repair_h": 3,
                           "truck_roll_cost": 350, "missed_failure_cost": 8000, "edge_ai_cost_per_device_per_year": 24}}}
JSON
pid= devices=
stop() { [ -z "$devices" ] || kill "$devices" 2> /dev/null || true; if [ -n "$pid" ]; then kill "$pid" 2> /dev/null; wait "$pid" 2> /dev/null || true; fi; }
trap stop EXIT
"$edge" --config edge.json > out 2> err &
pid=$!
for _ in $(seq 200); do grep -q listening out && break; sleep 0.05; done
mqtt_port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\)$/\1/p' out)
console_port=$(sed -n 's/.*console on https:\/\/127.0.0.1:\([0-9]*\)$/\1/p' out)
[ -n "$mqtt_port" ] && [ -n "$console_port" ] || { echo "FAIL: twinbench-edge did not start: $(cat err)"; exit 1; }
# Three devices on their own connections; each reports its twin's properties and sends a window of
# out-of-range readings when its file appears.
RAWMQTT="$here/../interop" python3 - "$mqtt_port" "$work" <<'PY' > devices.out 2>&1 &
import os, sys, time
sys.path.insert(0, os.environ["RAWMQTT"])
from rawmqtt import connect, send_window, packet, utf8
port, work = int(sys.argv[1]), sys.argv[2]
socks = {c: connect(port, c, keepalive_s=0) for c in ["press-1", "press-2", "press-3"]}
pending = set(socks)
for _ in range(1800):
    for c in sorted(pending):
        if os.path.exists(os.path.join(work, "go-" + c)):
            # Its twin's properties, as the DTDL Interface has them (IoT Plug and Play's reported form), then readings.
            socks[c].sendall(packet(0x30, utf8("tb/line-3/%s/twin/reported" % c) + b'{"serialNumber": "SN-%s", "alertThreshold": 0.8}' % c[-1:].encode()))
            send_window(socks[c], "tb/line-3/%s/telemetry" % c, 6, 14)
            pending.discard(c)
    if not pending: break
    time.sleep(0.1)
time.sleep(60)
PY
devices=$!
# Chromium trusts the lab's certificate by its public key (as a plant would install its CA): no certificate error, so its cookies are kept.
spki=$(openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
CHROMIUM=$chromium SPKI=$spki node "$here/console.mjs" "https://127.0.0.1:$console_port" "$work" "$shots"
