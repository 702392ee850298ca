#!/usr/bin/env bash
# The console as people use it, on a gateway in the lab in a box: twinbench-edge (scenarios/console-lab's
# edge.json, with the shipped compressor model, its DTDL twin and a certificate made here) runs in a network
# namespace of its own (loopback where none can be made), and `twinbench hil` drives the lab's 40 simulated
# compressors at it, whose bearings start wearing one after another. Headless Chromium, driven by
# tests/browser/console.mjs, logs in as a technician, an operator and a manager; a cloud login sends the
# devices desired twin properties with mosquitto_pub.
# Skipped (exit 77) only where Chromium, node, openssl, mosquitto_pub or the npm packages are missing (scripts/install-deps installs them).
# usage: console-test.sh <twinbench> <twinbench-edge> <source dir> <work dir> [screenshots dir]
set -uo pipefail
tb=$(realpath "$1") edge=$(realpath "$2") src=$(cd "$3" && pwd) work=$4 shots=${5:-$4} here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "SKIP: no $chromium (scripts/install-deps installs it)"; exit 77; }
[ -d "$here/node_modules/puppeteer-core" ] || { echo "SKIP: no puppeteer-core in $here/node_modules (scripts/install-deps runs npm ci)"; exit 77; }
for c in node openssl mosquitto_pub; do command -v $c > /dev/null || { echo "SKIP: no $c command"; exit 77; }; done
rm -rf "$work" && mkdir -p "$work" "$shots"
work=$(cd "$work" && pwd) shots=$(cd "$shots" && pwd)
source "$src/tests/interop/lib.sh"
lab=$src/scenarios/console-lab
cd "$work"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=line-3-gw-0 -keyout key.pem -out cert.pem 2> /dev/null
chmod 600 key.pem
# The devices' logins (drawn from the scenario's seed) at the scenario's cost; the people's and the cloud's at a person's.
"$tb" credentials "$lab" --gateway line-3-gw-0 | "$edge" passwd passwords --batch --cost 4 > /dev/null || { echo "FAIL: passwd (devices)"; exit 1; }
printf 'tom tom-secret-1\nolga olga-secret-1\nmax max-secret-1\ncloud cloud-secret-1\n' | "$edge" passwd passwords --batch --cost 10 > /dev/null ||
  { echo "FAIL: passwd (people)"; exit 1; }
# The lab's gateway configuration on free ports, its model and rules where they are.
config=$(sed 's/"host": "10.77.0.2", "port": [0-9]*/"host": "HOST", "port": 0/g; s|"\.\./\.\./models|"'"$src"'/models|g; s|"rules-60x.json"|"'"$lab"'/rules-60x.json"|' "$lab/edge.json")
start_lab_gateway "$edge" "$config" "$src"
console_port=$(sed -n 's/.*console on https:\/\/[0-9.]*:\([0-9]*\)$/\1/p' edge.out)
[ -n "$console_port" ] || { echo "FAIL: the console did not start $where: $(cat edge.err)"; exit 1; }
# The lab's devices start when the technician is looking at an empty list (console.mjs writes "go").
(
  for _ in $(seq 1200); do [ -e go ] && break; sleep 0.1; done
  [ -e go ] && exec "$tb" hil "$lab" --gateway "line-3-gw-0=mqtt://$gw_host:$eport" --out hil --quiet > hil.out 2> hil.err
) &
pids+=($!)
# Chromium trusts the lab's certificate by its public key (as a plant would install its CA): no certificate error, so its cookies are kept.
spki=$(openssl x509 -in cert.pem -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)
CLOUD_PUB="mosquitto_pub -h $gw_host -p $eport -i cloud -u cloud -P cloud-secret-1 -q 1 -t tb/cloud/line-3-gw-0" \
  CHROMIUM=$chromium SPKI=$spki node "$here/console.mjs" "https://$gw_host:$console_port" "$work" "$shots" || {
  echo "  (the gateway ran $where; its log: $work/edge.err, the lab's: $work/hil.err)"; exit 1; }
echo "  (the gateway ran $where)"
