#!/usr/bin/env bash
# twinbench-edge takes a model update over the air, for real: `twinbench ota sign` makes the factory
# manifest and version 2's image; the cloud's commands and the image's chunks arrive with mosquitto_pub
# on the gateway's own broker; the gateway checks the signature and the hash, boots the new model on
# trial, commits it, and keeps it across a restart; a manifest signed by another key is refused. Every
# step is in the gateway's audit log, which verifies. Needs mosquitto_pub (exit 77 without it).
# usage: edge-ota.sh <twinbench-edge> <twinbench> <source dir> <work dir>
set -euo pipefail
edge=$1 tb=$2 src=$3 work=$4
command -v mosquitto_pub > /dev/null || { echo "SKIP: mosquitto_pub is not installed"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
cd "$work"
seed=$(printf '7%.0s' $(seq 64))  # the cloud's secret in this test
other=$(printf '9%.0s' $(seq 64))
key=$("$tb" ota sign "$src/models/compressor-ae" --key-seed "$seed" --out factory.json | sed -n 's/^public key //p')
# Version 2: the same weights under another version (what matters here is the journey, not the model).
cp -r "$src/models/compressor-ae" v2
sed -i 's/"version": "1"/"version": "2"/' v2/manifest.json
"$tb" ota sign v2 --key-seed "$seed" --chunk-size 8192 --out m2.json --image-out v2.img > /dev/null
"$tb" ota sign v2 --key-seed "$other" --version 3 --out forged.json > /dev/null
# The cloud logs in as "cloud", the one identity that may publish on tb/cloud/g/...
printf 'cloud-secret\n' | "$edge" passwd passwords cloud --cost 4 2> /dev/null
cat > edge.json <<JSON
{"format": "twinbench-edge/1", "name": "g", "listen": {"port": 0}, "audit_log": "audit.jsonl",
 "auth": {"password_file": "passwords", "control_identities": ["cloud"]},
 "edge_ai": {"model": "$src/models/compressor-ae"},
 "ota": {"storage": "flash", "trusted_key": "$key", "factory_manifest": "factory.json"}}
JSON
# A factory manifest that the trusted key did not sign: bad input, and no slots folder left behind.
sed "s/\"trusted_key\": \"$key\"/\"trusted_key\": \"$(printf 'a%.0s' $(seq 64))\"/; s/\"storage\": \"flash\"/\"storage\": \"flash-bad\"/" edge.json > bad.json
set +e
timeout 10 "$edge" --config bad.json > /dev/null 2> bad.err
code=$?
set -e
[ "$code" -eq 2 ] && grep -q "/ota/factory_manifest: factory.json is not the trusted key's signature of edge_ai.model's image" bad.err &&
  [ ! -e flash-bad ] || { echo "FAIL: a factory manifest of another key: exit $code, $(cat bad.err)"; exit 1; }
pid=
stop() { [ -n "$pid" ] && kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null; pid=; }
trap stop EXIT
start() {
  "$edge" --config edge.json > out 2> err &
  pid=$!
  for _ in $(seq 200); do grep -q listening out && break; sleep 0.05; done
  port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\)$/\1/p' out)
  [ -n "$port" ] || { echo "FAIL: twinbench-edge did not start: $(cat err)"; exit 1; }
}
wait_for() {  # wait_for <pattern in audit.jsonl>
  for _ in $(seq 200); do grep -q "$1" audit.jsonl 2> /dev/null && return 0; sleep 0.05; done
  echo "FAIL: no '$1' in the audit log:"; cat audit.jsonl; exit 1
}
start
mosquitto_pub -p "$port" -u cloud -P cloud-secret -t tb/cloud/g/ota -m "{\"op\": \"begin\", \"rollout\": 0, \"manifest\": $(cat m2.json)}"
wait_for '"action":"ota_download"'
size=$(stat -c %s v2.img) chunks=$(( (size + 8191) / 8192 ))
for ((i = 0; i < chunks; i++)); do
  { printf '\x00\x00\x00\x00'; printf "$(printf '\\x%02x\\x%02x\\x%02x\\x%02x' $((i & 255)) $((i >> 8 & 255)) 0 0)";
    dd if=v2.img bs=8192 skip=$i count=1 status=none; } > chunk
  mosquitto_pub -p "$port" -u cloud -P cloud-secret -t tb/cloud/g/ota/chunk -f chunk
done
wait_for '"action":"ota_committed","details":{"artifact":"model","rollout":0,"version":"2"}'
mosquitto_pub -p "$port" -u cloud -P cloud-secret -t tb/cloud/g/ota -m "{\"op\": \"begin\", \"rollout\": 1, \"manifest\": $(cat forged.json)}"
wait_for '"action":"ota_refused"'
grep -q '"reason":"the manifest is not signed by the trusted key"' audit.jsonl || { echo "FAIL: the forged manifest's refusal has no reason"; exit 1; }
stop
start  # the committed model comes back from its slot
wait_for '"version":"2"},"telemetry_filter"'
stop
[ "$(grep -c '"action":"runtime_started"' audit.jsonl)" -eq 2 ] || { echo "FAIL: expected two starts in the audit log"; exit 1; }
sed -n '$p' audit.jsonl | grep -q '"model":{"drift_monitor":false,"id":"compressor-ae","rules":1,"threshold":0.084366,"version":"2"}' ||
  { echo "FAIL: the restarted gateway does not run version 2: $(sed -n '$p' audit.jsonl)"; exit 1; }
"$tb" audit verify audit.jsonl > /dev/null || { echo "FAIL: the gateway's audit log does not verify"; exit 1; }
echo "ok: model 2 signed, sent in $chunks chunks over MQTT, committed and kept across a restart; a forged manifest refused; $(grep -c . audit.jsonl) audit records verify"
