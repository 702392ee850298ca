#!/usr/bin/env bash
# twinbench-edge's uplink over TLS to Debian's mosquitto (mqtts://), with certificates made here by a
# throw-away CA: records reach the cloud through a verified TLS connection and through one with a client
# certificate; a broker whose certificate another CA signed, one whose certificate names another host,
# and a broker wanting a client certificate the gateway lacks are all refused, with the reason on stderr.
# usage: edge-uplink-tls.sh <twinbench-edge> <work dir>      exit 77 = skipped (mosquitto or openssl missing)
set -euo pipefail
edge=$1 work=$2
for tool in mosquitto_pub mosquitto_sub openssl; do
  command -v "$tool" > /dev/null || { echo "SKIP: $tool is not installed (apt-get install mosquitto-clients openssl)"; exit 77; }
done
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
[ -x "$mosquitto_bin" ] || { echo "SKIP: mosquitto is not installed (apt-get install mosquitto)"; exit 77; }
rm -rf "$work" && mkdir -p "$work/pki"
source "$(dirname "$0")/lib.sh"

# --- certificates: a CA, another CA, the broker (127.0.0.1), a broker named example.com, a client ---------
cd "$work/pki"
key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 -out "$1.key" 2> /dev/null; }
ca() { key "$1" && openssl req -x509 -key "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" 2> /dev/null; }
cert() {  # cert <name> <ca> <subjectAltName>
  key "$1" && openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$1" 2> /dev/null
  printf 'subjectAltName=%s\n' "$3" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext" 2> /dev/null
}
ca ca && ca other-ca
cert broker ca "IP:127.0.0.1,DNS:localhost"
cert elsewhere ca "DNS:example.com"
cert client ca "DNS:gateway"
chmod a+r ./*.key  # throw-away keys: mosquitto, started as root, reads them as its own user
cd - > /dev/null
pki=$work/pki

# --- mosquitto: a plain listener for the cloud, and three TLS listeners --------------------------------
start_mosquitto "$mosquitto_bin" "allow_anonymous true
listener PORT1 127.0.0.1
listener PORT2 127.0.0.1
cafile $pki/ca.pem
certfile $pki/broker.pem
keyfile $pki/broker.key
listener PORT3 127.0.0.1
cafile $pki/ca.pem
certfile $pki/broker.pem
keyfile $pki/broker.key
require_certificate true
listener PORT4 127.0.0.1
cafile $pki/ca.pem
certfile $pki/elsewhere.pem
keyfile $pki/elsewhere.key" 4
plain=${mports[0]} tls=${mports[1]} mutual=${mports[2]} wrong_host=${mports[3]}

printf '\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x00\x00\x80\x3f' > "$work/record.bin"  # 1 channel: 1.0

# delivered <name> <port> <tls JSON>: a record published to the gateway reaches the cloud through it
# (12 bytes of run header, 6 of framing, the 20-byte record: docs/store-and-forward.md).
delivered() {
  start_edge "$edge" "{\"format\": \"twinbench-edge/1\", \"name\": \"$1\", \"auth\": {\"allow_anonymous\": true, \"acl\": [{\"identity\": \"anonymous\", \"publish\": [\"#\"], \"subscribe\": [\"#\"]}]}, \"listen\": {\"port\": 0}, \"forward_interval_ms\": 100,
    \"uplink\": {\"broker\": \"mqtts://127.0.0.1:$2\", \"tls\": $3}}"
  stdbuf -oL mosquitto_sub -p "$plain" -t "tb/uplink/$1" -C 1 -W 10 -F '%t %l' -d > "$work/$1.cloud" 2>&1 &
  local sub=$!
  for _ in $(seq 200); do grep -q "received SUBACK" "$work/$1.cloud" 2> /dev/null && break; sleep 0.025; done
  mosquitto_pub -p "$eport" -q 1 -t "tb/$1/0/telemetry" -f "$work/record.bin"
  wait "$sub" || true
  [ "$(grep '^tb/uplink/' "$work/$1.cloud")" = "tb/uplink/$1 38" ] || { echo "FAIL: $1: nothing at the cloud"; cat "$work/edge.err" "$work/mosquitto.log"; exit 1; }
  kill -TERM "$edge_pid" && wait "$edge_pid"
  grep -q "uplink: 1 connects, 1 acknowledged, 0 pending" "$work/edge.err" || { echo "FAIL: $1: uplink summary"; cat "$work/edge.err"; exit 1; }
}
# refused <name> <port> <tls JSON> <reason>: the gateway does not get through, and says why.
refused() {
  start_edge "$edge" "{\"format\": \"twinbench-edge/1\", \"name\": \"$1\", \"auth\": {\"allow_anonymous\": true, \"acl\": [{\"identity\": \"anonymous\", \"publish\": [\"#\"], \"subscribe\": [\"#\"]}]}, \"listen\": {\"port\": 0},
    \"uplink\": {\"broker\": \"mqtts://127.0.0.1:$2\", \"tls\": $3}}"
  for _ in $(seq 100); do grep -q "uplink: " "$work/edge.err" && break; sleep 0.05; done
  kill -TERM "$edge_pid" && wait "$edge_pid"
  # Our wording exactly; OpenSSL's reason after it only as far as it is about the certificate (its text varies by version).
  grep -F "twinbench-edge $1: uplink: $4" "$work/edge.err" | grep -qi "certificate" || { echo "FAIL: $1: wanted '$4...certificate...'"; cat "$work/edge.err"; exit 1; }
  grep -q "uplink: 0 connects" "$work/edge.err" || { echo "FAIL: $1: connected"; cat "$work/edge.err"; exit 1; }
}

delivered verified "$tls" "{\"ca_file\": \"$pki/ca.pem\"}"
delivered mutual "$mutual" "{\"ca_file\": \"$pki/ca.pem\", \"cert_file\": \"$pki/client.pem\", \"key_file\": \"$pki/client.key\"}"
refused other-ca "$tls" "{\"ca_file\": \"$pki/other-ca.pem\"}" "TLS handshake with 127.0.0.1:$tls failed: "
refused wrong-host "$wrong_host" "{\"ca_file\": \"$pki/ca.pem\"}" "TLS handshake with 127.0.0.1:$wrong_host failed: "
refused no-client-cert "$mutual" "{\"ca_file\": \"$pki/ca.pem\"}" "connection to 127.0.0.1:$mutual closed before it answered: "
echo "ok: TLS uplinks to mosquitto: verified and mutual delivered; another CA, another host name, no client certificate refused"
