#!/usr/bin/env bash
# Devices over TLS with client certificates as identities: openssl makes a CA, the gateway's certificate
# and two device certificates (CN pump-9 and cloud), and a certificate from another CA; mosquitto's
# clients connect to twinbench-edge. A device with its certificate (and no password) publishes under its
# own topics, and the cloud (by its certificate) sees it; the same device publishing as pump-8 gets
# PUBACK 0x87; claiming another username than its certificate's name gets CONNACK 0x87; a client without
# a certificate, with one from another CA, or speaking plain MQTT to the TLS port gets no session. Needs
# openssl and the mosquitto clients.
# usage: edge-tls-devices.sh <twinbench-edge> <work dir>
set -euo pipefail
edge=$1 work=$2
command -v mosquitto_pub > /dev/null && command -v openssl > /dev/null || { echo "SKIP: needs openssl and mosquitto-clients"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
cd "$work"
# cert <name> <CN> <CA name>: a key and a certificate signed by that CA (the gateway's names 127.0.0.1).
ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" 2> /dev/null; }
cert() {
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2> /dev/null
  printf 'subjectAltName=IP:127.0.0.1\n' > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext" 2> /dev/null
}
ca plant-ca
ca other-ca
cert gateway 127.0.0.1 plant-ca
cert pump9 pump-9 plant-ca
cert cloud cloud plant-ca
cert intruder pump-9 other-ca
cat > edge.json << 'JSON'
{"format": "twinbench-edge/1", "name": "g", "audit_log": "audit.jsonl",
 "listen": {"port": 0, "tls": {"cert_file": "gateway.pem", "key_file": "gateway.key", "client_ca_file": "plant-ca.pem",
                               "require_client_certificate": true}},
 "auth": {"certificate_identity": true, "control_identities": ["cloud"],
          "acl": [{"identity": "*", "publish": ["tb/%g/%u/#"], "subscribe": ["tb/%g/%u/#"]},
                  {"identity": "cloud", "subscribe": ["tb/#"]}]}}
JSON
"$edge" --config edge.json > out 2> err &
pid=$!
trap 'kill $pid 2> /dev/null || true' EXIT
for _ in $(seq 200); do grep -q listening out && break; sleep 0.05; done
port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\)$/\1/p' out)
[ -n "$port" ] || { echo "FAIL: twinbench-edge did not start: $(cat err)"; exit 1; }
tls() { echo -h 127.0.0.1 -p "$port" --cafile plant-ca.pem --cert "$1.pem" --key "$1.key"; }

# The cloud, by its certificate, listens to everything under tb/.
stdbuf -oL mosquitto_sub $(tls cloud) -t 'tb/#' -v -d > cloud.out 2>&1 &
sub=$!
for _ in $(seq 100); do grep -q "Subscribed (mid: 1): 0" cloud.out && break; sleep 0.05; done
grep -q "Subscribed (mid: 1): 0" cloud.out || { echo "FAIL: the cloud's certificate did not get it a subscription: $(cat cloud.out)"; exit 1; }
# pump-9, by its certificate alone, at home; then as pump-8.
mosquitto_pub $(tls pump9) -t tb/g/pump-9/telemetry -m hello -q 1 || { echo "FAIL: pump-9 could not publish with its certificate"; cat err; exit 1; }
mosquitto_pub $(tls pump9) -V mqttv5 -t tb/g/pump-8/telemetry -m forged -q 1 -d > forged.out 2>&1 || true
grep -q "received PUBACK (Mid: 1, RC:135)" forged.out || { echo "FAIL: pump-9 publishing as pump-8 was not refused: $(cat forged.out)"; exit 1; }
# A username that is not the certificate's name.
set +e
mosquitto_pub $(tls pump9) -V mqttv5 -u cloud -P x -t tb/cloud/g/rules -m '{}' > claim.out 2>&1
claim=$?
set -e
[ "$claim" -ne 0 ] && grep -qi "not authori[sz]ed" claim.out || { echo "FAIL: a username other than the certificate's name: exit $claim, $(cat claim.out)"; exit 1; }
for _ in $(seq 100); do grep -q "^tb/g/pump-9/telemetry hello" cloud.out && break; sleep 0.05; done
kill "$sub"; wait "$sub" 2> /dev/null || true
grep -q "^tb/g/pump-9/telemetry hello" cloud.out || { echo "FAIL: the cloud did not see pump-9's message: $(cat cloud.out)"; exit 1; }
if grep -q "forged" cloud.out; then echo "FAIL: the forged message reached the cloud"; exit 1; fi
# No session without a certificate of the plant's CA, nor in plain MQTT.
no_session() {  # no_session <what> <mosquitto_pub arguments...>
  local what=$1
  shift
  set +e
  timeout 10 mosquitto_pub "$@" -t tb/g/pump-9/telemetry -m x > none.out 2>&1
  local code=$?
  set -e
  [ "$code" -ne 0 ] || { echo "FAIL: $what: it published"; exit 1; }
}
no_session "no client certificate" -h 127.0.0.1 -p "$port" --cafile plant-ca.pem
no_session "a certificate of another CA" $(tls intruder)
no_session "plain MQTT on the TLS port" -h 127.0.0.1 -p "$port"
kill -TERM "$pid" && wait "$pid"
trap - EXIT
grep -q '"identity":"pump-9","reason_code":135,"refused":"publish","topic":"tb/g/pump-8/telemetry"' audit.jsonl ||
  { echo "FAIL: the forged publish is not audited as pump-9's:"; grep access_refused audit.jsonl; exit 1; }
grep -q "refused by access rules: 1 connects, 1 publishes, 0 subscriptions" err || { echo "FAIL: the stop line: $(tail -1 err)"; exit 1; }
grep -q "TLS handshakes failed: 3" err || { echo "FAIL: the 3 failed handshakes are not counted: $(tail -1 err)"; exit 1; }
echo "ok: devices over TLS, identified by their certificates: at home, kept from another's topics (0x87) and from another's name (CONNACK 0x87); no certificate, another CA's, or plain MQTT: no session (3 handshakes failed)"
