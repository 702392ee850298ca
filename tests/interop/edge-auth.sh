#!/usr/bin/env bash
# Nobody silences a twinbench-edge gateway: its broker, driven by Debian's mosquitto clients, refuses an
# anonymous client, a wrong password and an unknown user (MQTT 3.1.1 and 5 reason codes); a device may
# publish and subscribe under its own topics only (a subscription to '#' is refused, and so are fake
# uplink, fake alerts and a rule change); only the cloud identity changes the gateway's rules. Every
# refusal is an access_refused record in the audit log, which verifies. Needs mosquitto_pub/_sub.
# usage: edge-auth.sh <twinbench-edge> <twinbench> <work dir>
set -euo pipefail
edge=$1 tb=$2 work=$3
command -v mosquitto_pub > /dev/null || { echo "SKIP: mosquitto_pub is not installed (apt-get install mosquitto-clients)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
cd "$work"
printf 'dev-secret\n' | "$edge" passwd passwords d1 --cost 4 2> /dev/null
printf 'cloud-secret\n' | "$edge" passwd passwords cloud --cost 4 2> /dev/null
[ "$(stat -c %a passwords)" = 600 ] || { echo "FAIL: the password file is mode $(stat -c %a passwords), expected 600"; exit 1; }
grep -q 'dev-secret\|cloud-secret' passwords && { echo "FAIL: a password is in the password file in plain text"; exit 1; }
cat > edge.json << 'JSON'
{"format": "twinbench-edge/1", "name": "g", "listen": {"port": 0}, "audit_log": "audit.jsonl",
 "auth": {"password_file": "passwords", "control_identities": ["cloud"],
          "acl": [{"identity": "*", "publish": ["tb/%g/%u/#"], "subscribe": ["tb/%g/%u/#"]},
                  {"identity": "cloud", "subscribe": ["tb/#"]}]}}
JSON
"$edge" --config edge.json > out 2> err &
pid=$!
trap 'kill $pid 2> /dev/null || true' EXIT
for _ in $(seq 200); do grep -q listening out && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\)$/\1/p' out)
[ -n "$port" ] || { echo "FAIL: twinbench-edge did not start: $(cat err)"; exit 1; }

refusals=0
# connect_refused <what> <expected text in mosquitto_pub's output> <mosquitto_pub arguments...>
connect_refused() {
  local what=$1 expect=$2
  shift 2
  set +e
  timeout 10 mosquitto_pub -p "$port" -t tb/g/d1/telemetry -m x "$@" > pub.out 2>&1
  local code=$?
  set -e
  [ "$code" -ne 0 ] && grep -qi "$expect" pub.out || { echo "FAIL: $what: exit $code, expected '$expect': $(cat pub.out)"; exit 1; }
  refusals=$((refusals + 1))
}
connect_refused "anonymous (3.1.1)" "not authori[sz]ed"
connect_refused "anonymous (5)" "not authori[sz]ed" -V mqttv5
connect_refused "a wrong password (3.1.1)" "bad user name or password" -u d1 -P wrong
connect_refused "a wrong password (5)" "bad user name or password" -u d1 -P wrong -V mqttv5
connect_refused "an unknown user" "bad user name or password" -u nobody -P dev-secret

# A device at home: its own telemetry is taken.
mosquitto_pub -p "$port" -u d1 -P dev-secret -t tb/g/d1/telemetry -m 'x' -q 1
# Reading everything: SUBACK 0x80 (3.1.1) and 0x87 Not authorized (5); its own topics are fine.
mosquitto_sub -p "$port" -u d1 -P dev-secret -t '#' -d -W 2 -C 1 > sub.out 2>&1 || true
grep -q "Subscribed (mid: 1): 128" sub.out || { echo "FAIL: a device's subscription to '#' was not refused (3.1.1): $(cat sub.out)"; exit 1; }
mosquitto_sub -p "$port" -u d1 -P dev-secret -t '#' -V mqttv5 -d -W 2 -C 1 > sub5.out 2>&1 || true
grep -q "Subscribed (mid: 1): 135" sub5.out || { echo "FAIL: a device's subscription to '#' was not refused (5): $(cat sub5.out)"; exit 1; }
refusals=$((refusals + 2))
mosquitto_sub -p "$port" -u d1 -P dev-secret -t 'tb/g/d1/#' -d -W 1 -C 1 > own.out 2>&1 || true
grep -q "Subscribed (mid: 1): 0" own.out || { echo "FAIL: a device could not subscribe to its own topics: $(cat own.out)"; exit 1; }

# The cloud listens to everything under tb/ while the device tries to speak for the gateway.
stdbuf -oL mosquitto_sub -p "$port" -u cloud -P cloud-secret -t "tb/#" -v -d > cloud.out 2>&1 &
sub_pid=$!
for _ in $(seq 100); do grep -q "Subscribed (mid: 1): 0" cloud.out && break; sleep 0.05; done
grep -q "Subscribed (mid: 1): 0" cloud.out || { echo "FAIL: the cloud could not subscribe to tb/#: $(cat cloud.out)"; exit 1; }
for topic in tb/uplink/g tb/alerts/g tb/cloud/g/rules tb/g/d2/telemetry; do
  mosquitto_pub -p "$port" -u d1 -P dev-secret -t "$topic" -m '{"format": "twinbench-rules/1", "rules": []}' -q 1 -V mqttv5 -d > fake.out 2>&1
  grep -q "received PUBACK (Mid: 1, RC:135)" fake.out || { echo "FAIL: a device's publish on $topic was not refused (0x87): $(cat fake.out)"; exit 1; }
  refusals=$((refusals + 1))
done
mosquitto_pub -p "$port" -u d1 -P dev-secret -t tb/uplink/g -m fake -q 1 > /dev/null  # 3.1.1: acknowledged, and dropped
refusals=$((refusals + 1))
# Only the cloud's rule change reaches the gateway (refused there: this gateway has no detector).
mosquitto_pub -p "$port" -u cloud -P cloud-secret -t tb/cloud/g/rules -m '{"format": "twinbench-rules/1", "rules": []}' -q 1
for _ in $(seq 100); do grep -q rules_refused audit.jsonl && break; sleep 0.05; done
grep -c '"action":"rules_refused"' audit.jsonl | grep -qx 1 || { echo "FAIL: expected the cloud's rule change (one) in the audit log"; cat audit.jsonl; exit 1; }
kill "$sub_pid"; wait "$sub_pid" 2> /dev/null || true
if grep -q "^tb/uplink/g\|^tb/alerts/g\|^tb/g/d2" cloud.out; then echo "FAIL: a fake message reached the cloud: $(cat cloud.out)"; exit 1; fi
grep -q "^tb/g/d1/telemetry\|^tb/cloud/g/rules" cloud.out || { echo "FAIL: the cloud saw nothing of what was allowed: $(cat cloud.out)"; exit 1; }

kill -TERM "$pid" && wait "$pid"
trap - EXIT
got=$(grep -c '"action":"access_refused"' audit.jsonl)
[ "$got" -eq "$refusals" ] || { echo "FAIL: $refusals refusals, $got access_refused records"; grep access_refused audit.jsonl; exit 1; }
grep -q '"action":"access_refused","details":{"client_id":"[^"]*","identity":"d1","reason_code":135,"refused":"publish","topic":"tb/cloud/g/rules"}' audit.jsonl ||
  { echo "FAIL: the refused rule change is not audited with who and what:"; grep access_refused audit.jsonl; exit 1; }
grep -q '"identity":null,"reason_code":5,"refused":"connect"' audit.jsonl || { echo "FAIL: the anonymous connect is not audited"; exit 1; }
grep -q "refused by access rules: 5 connects, 5 publishes, 2 subscriptions" err || { echo "FAIL: the stop line: $(tail -1 err)"; exit 1; }
"$tb" audit verify audit.jsonl > verify.out || { echo "FAIL: the audit log does not verify: $(cat verify.out)"; exit 1; }
echo "ok: anonymous, wrong-password and unknown-user connects refused; a device kept to its own topics (no '#', no fake uplink, alerts or rules); only the cloud changes rules; $refusals refusals, $got audited; the audit log verifies"
