#!/usr/bin/env bash
# LwM2M devices nobody here wrote, against twinbench-edge's LwM2M server (CoAP over UDP):
#  1. libcoap's coap-client, one request per run from a fixed local port (so the gateway sees one client):
#     Register, a Send in SenML JSON, Update, De-register, and the answers to bad requests.
#  2. twinbench-lwm2m-device, a client on libcoap's CoAP stack: the gateway observes its objects 3303 and
#     3316, libcoap notifies (NON and CON), and Sends; every reading reaches the uplink as a record.
# usage: edge-lwm2m.sh <twinbench-edge> <twinbench-lwm2m-device> <work dir>
#        exit 77 = skipped (libcoap's or mosquitto's command-line clients missing)
set -euo pipefail
edge=$1 device=$2 work=$3
coap=$(command -v coap-client-notls || command -v coap-client || true)
[ -n "$coap" ] || { echo "SKIP: coap-client is not installed (apt-get install libcoap3-bin)"; exit 77; }
command -v mosquitto_sub > /dev/null || { echo "SKIP: mosquitto_sub is not installed (apt-get install mosquitto-clients)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib.sh"
start_edge "$edge" '{"format": "twinbench-edge/1", "name": "gw", "auth": {"allow_anonymous": true, "acl": [{"identity": "anonymous", "publish": ["#"], "subscribe": ["#"]}]}, "listen": {"port": 0}, "forward_interval_ms": 100,
  "lwm2m": {"listen": {"port": 0}, "fields": ["/3303/0/5700", "/3316/0/5700"]}}'
lport=$(sed -n 's/.*lwm2m on udp 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/edge.out")
[ -n "$lport" ] || { echo "FAIL: no LwM2M port"; cat "$work/edge.out"; exit 1; }
server="coap://127.0.0.1:$lport"

stdbuf -oL mosquitto_sub -p "$eport" -t 'tb/uplink/#' -F '%t %x' -d > "$work/uplink.raw" 2>&1 &
pids+=($!)
for _ in $(seq 200); do grep -q "received SUBACK" "$work/uplink.raw" 2> /dev/null && break; sleep 0.025; done

# --- 1. coap-client ------------------------------------------------------------------------------------
cport=$(free_port)
step() {  # step <name> <expected answer, e.g. "c:2.01"> coap-client arguments...
  local name=$1 want=$2
  shift 2
  "$coap" -v 6 -B 5 "$@" > "$work/$name.out" 2>&1 || true
  local got
  got=$(grep -o '^v:1 t:ACK c:[0-9.]*.*' "$work/$name.out" | head -1)
  [[ "$got" == *"$want"* ]] || { echo "FAIL: $name: wanted '$want', got '$got'"; cat "$work/$name.out"; exit 1; }
}
# The client's own port (the gateway knows a device by its address): one the kernel just handed out, taken
# back; if another process took it before coap-client bound it, register from another.
for _ in 1 2 3 4 5; do
  "$coap" -v 6 -B 5 -m post -p "$cport" -t 40 -e '</>;rt="oma.lwm2m";ct=110,</1/0>' "$server/rd?ep=coap-cli&lt=60&lwm2m=1.1&b=U" > "$work/register.out" 2>&1 || true
  grep -qi "address already in use" "$work/register.out" || break
  cport=$(free_port)
done
got=$(grep -o '^v:1 t:ACK c:[0-9.]*.*' "$work/register.out" | head -1)
[[ "$got" == *'c:2.01 i:'* ]] || { echo "FAIL: register: wanted 'c:2.01', got '$got'"; cat "$work/register.out"; exit 1; }
loc=$(grep -o 'Location-Path:rd, Location-Path:[0-9]*' "$work/register.out" | sed 's/.*Location-Path://')
[ -n "$loc" ] || { echo "FAIL: no Location-Path in the 2.01"; cat "$work/register.out"; exit 1; }
step send 'c:2.04' -m post -p "$cport" -t 110 -e '[{"bn":"/3303/0/","n":"5700","v":-12.5},{"bn":"/3316/0/","n":"5700","v":12}]' "$server/dp"
step send-elsewhere 'c:4.03' -m post -t 110 -e '[{"n":"/3303/0/5700","v":1}]' "$server/dp"  # not registered from there
step send-not-senml 'c:4.15' -m post -p "$cport" -t 0 -e '21.5' "$server/dp"
step send-bad-senml 'c:4.00' -m post -p "$cport" -t 110 -e '[{"n":"/3303/0/5700","v":"warm"}]' "$server/dp"
step register-no-ep 'c:4.00' -m post -t 40 -e '</1/0>' "$server/rd?lt=60"
step register-v2 'c:4.12' -m post -t 40 -e '</1/0>' "$server/rd?ep=x&lwm2m=2.0"
step update 'c:2.04' -m post -p "$cport" "$server/rd/$loc?lt=120"
step get-rd 'c:4.05' -m get "$server/rd"
step deregister 'c:2.02' -m delete -p "$cport" "$server/rd/$loc"
step deregister-again 'c:4.04' -m delete -p "$cport" "$server/rd/$loc"

# --- 2. twinbench-lwm2m-device (libcoap) ---------------------------------------------------------------
"$device" --server "$server" --endpoint observed --count 8 --period-ms 100 --wait-ms 5000 --send > "$work/device1.out" 2>&1 ||
  { echo "FAIL: device 1"; cat "$work/device1.out"; exit 1; }
"$device" --server "$server" --endpoint confirmable --count 4 --period-ms 100 --wait-ms 5000 --con > "$work/device2.out" 2>&1 ||
  { echo "FAIL: device 2"; cat "$work/device2.out"; exit 1; }
grep -q "de-registered" "$work/device1.out" && grep -q "de-registered" "$work/device2.out" ||
  { echo "FAIL: de-registration"; cat "$work/device1.out" "$work/device2.out"; exit 1; }
# Records: the coap-client Send (1); device 1: both observe answers (2), 8 x 2 notifications, 8 Sends;
# device 2: 2 + 4 x 2. They go up every 100 ms (read with uplink.py: docs/store-and-forward.md).
count() { python3 "$(dirname "$0")/uplink.py" < "$work/uplink.raw" | awk '{ n += NF - 1 } END { print n + 0 }'; }
for _ in $(seq 200); do [ "$(count)" -ge 37 ] && break; sleep 0.05; done
kill -TERM "$edge_pid"
wait "$edge_pid"
records=$(count)
[ "$records" = 37 ] || { echo "FAIL: $records records at the uplink, wanted 37"; cat "$work/uplink.raw" "$work/edge.err"; exit 1; }
# Values, as little-endian floats: -12.5 (0xc1480000) from coap-client, 22.0 (0x41b00000, reading 8:
# 20 + 8/4) and 232 (0x43680000: 230 + 8 mod 3) from device 1, 21.0 (0x41a80000, reading 4) from device 2.
for hex in 000048c1 0000b041 00006843 0000a841; do
  grep -q "$hex" "$work/uplink.raw" || { echo "FAIL: no reading $hex at the uplink"; cat "$work/uplink.raw"; exit 1; }
done
# Protocol errors: the five refused requests (4.03, 4.15, 4.00, 4.00, 4.12) and the two to missing paths (4.05, 4.04).
grep -q "37 telemetry records, 7 protocol errors" "$work/edge.err" || { echo "FAIL: summary"; cat "$work/edge.err"; exit 1; }
grep -q "lwm2m: 0 registered" "$work/edge.err" || { echo "FAIL: registrations left"; cat "$work/edge.err"; exit 1; }
echo "ok: coap-client (register, send, update, de-register, 7 refusals) and a libcoap device (observe, notify, send): 37 records"
