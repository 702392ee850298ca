#!/usr/bin/env bash
# twinbench hil through the shaping proxy (twinbench shape): simulated devices reach a real gateway
# (twinbench-edge on loopback) across a link shaped like a simulated preset.
#  1. TCP: 100 MQTT devices for 5 s at 2.5x through the cellular-4g preset (45 ms median each way, a
#     log-normal tail, 0.2 % of chunks resent after 200 ms): the gateway gets every record, and the proxy
#     relayed the 101 connections (the devices and the bench's uplink reader);
#  2. UDP: 100 LwM2M devices through the wifi preset without its loss: the Sends arrive (reordered by the
#     jitter, never before their device's registration), one proxy peer per device (the gateway registers
#     each by its address), and the gateway sees no protocol error;
#  3. bad input: no target, an unknown preset: exit 2, nothing relayed.
# usage: hil-shaped.sh <twinbench> <twinbench-edge> <work dir>
set -euo pipefail
tb=$1 edge=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib.sh"

# start_shape <name> <args...>: the proxy in the background; sets sport (the port it printed) and shape_pid.
start_shape() {
  local name=$1
  shift
  "$tb" shape "$@" > "$work/$name.out" 2> "$work/$name.err" &
  shape_pid=$!
  pids+=($shape_pid)
  for _ in $(seq 200); do grep -q "listening on" "$work/$name.out" 2> /dev/null && break; sleep 0.05; done
  sport=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/$name.out")
  [ -n "$sport" ] || { echo "FAIL: twinbench shape did not start"; cat "$work/$name.err"; exit 1; }
}
kpi() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); [d := d[k] for k in sys.argv[2].split('/')]; print(d)" "$1" "$2"; }

# 1. MQTT over a shaped LTE link.
start_edge "$edge" '{"format": "twinbench-edge/1", "name": "lab-gw-0", "auth": {"allow_anonymous": true, "acl": [{"identity": "anonymous", "publish": ["#"], "subscribe": ["#"]}]}, "listen": {"port": 0}, "forward_interval_ms": 200,
  "lwm2m": {"listen": {"port": 0}, "fields": ["/3317/0/5700", "/3323/0/5700", "/3303/0/5700", "/3300/0/5700", "/3305/0/5800", "/3320/0/5700"], "observe": []}}'
lport=$(sed -n 's/.*lwm2m on udp 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/edge.out")
start_shape tcp --to "127.0.0.1:$eport" --preset cellular-4g --seed 7
cat > "$work/mqtt.json" << JSON
{"format": "twinbench-scenario/1", "name": "hil-shaped", "duration_s": 5, "hil": {"speed": 2.5},
 "sites": [{"name": "lab", "gateways": 1, "devices_per_gateway": 100,
            "device": {"period_s": 1, "qos": 1}, "link": {"preset": "cellular-4g"}}]}
JSON
"$tb" hil "$work/mqtt.json" --gateway "lab-gw-0=mqtt://127.0.0.1:$sport" --out "$work/mqtt" --quiet > "$work/mqtt.stdout" ||
  { echo "FAIL: twinbench hil through the proxy exited $?"; cat "$work/mqtt.stdout"; exit 1; }
kill -TERM "$shape_pid" && wait "$shape_pid"
grep -q "101 connections (0 refused)" "$work/tcp.out" || { echo "FAIL: the proxy did not relay 101 connections"; cat "$work/tcp.out"; exit 1; }

# 2. LwM2M over a shaped Wi-Fi link (its latency, no loss: every reading must arrive).
start_shape udp --udp --to "127.0.0.1:$lport" --preset wifi --loss 0 --seed 7
sed 's/"qos": 1}/"protocol": "lwm2m"}/; s/cellular-4g/wifi/' "$work/mqtt.json" > "$work/lwm2m.json"
"$tb" hil "$work/lwm2m.json" --gateway "lab-gw-0=coap://127.0.0.1:$sport,mqtt://127.0.0.1:$eport" --out "$work/lwm2m" --quiet > "$work/lwm2m.stdout" ||
  { echo "FAIL: twinbench hil with LwM2M devices through the proxy exited $?"; cat "$work/lwm2m.stdout"; exit 1; }
kill -TERM "$shape_pid" && wait "$shape_pid"
grep -q "100 peers (0 refused).* 0 datagrams lost" "$work/udp.out" || { echo "FAIL: the proxy did not relay 100 peers"; cat "$work/udp.out"; exit 1; }
kill -TERM "$edge_pid" && wait "$edge_pid"
# One gateway served both runs: 500 MQTT records, and the LwM2M devices' Sends (each device's first
# reading is taken while it registers and not sent; a few may be in the air at the end).
records=$(sed -n 's/.* \([0-9]*\) telemetry records, 0 protocol errors.*lwm2m: 100 registered.*/\1/p' "$work/edge.err")
lwm2m_sent=$(kpi "$work/lwm2m/summary.json" messages/sent)
[ -n "$records" ] && [ "$records" -ge $((500 + lwm2m_sent * 95 / 100)) ] && [ "$records" -le $((500 + lwm2m_sent)) ] ||
  { echo "FAIL: the gateway did not get 500 MQTT records and the $lwm2m_sent LwM2M Sends without protocol errors"; cat "$work/edge.err"; exit 1; }

# 3. Bad input.
for bad in "--preset wifi" "--to 127.0.0.1:1883 --preset lte" "--to 127.0.0.1:1883 --loss 1"; do
  rc=0
  "$tb" shape $bad > "$work/bad.out" 2> "$work/bad.err" || rc=$?
  [ "$rc" = 2 ] || { echo "FAIL: twinbench shape $bad exited $rc, expected 2"; exit 1; }
  ! grep -q "listening" "$work/bad.out" || { echo "FAIL: twinbench shape $bad listened"; exit 1; }
done
echo "ok: 500 MQTT records through a shaped LTE link (101 connections relayed) and $((records - 500)) of $lwm2m_sent LwM2M Sends through a shaped Wi-Fi link (100 peers), no protocol error"
