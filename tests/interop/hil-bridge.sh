#!/usr/bin/env bash
# twinbench hil with a real gateway: the simulated devices of "lab-gw-0" connect to twinbench-edge (the
# gateway under test) over real TCP, one connection each, and the bench reads its uplink.
#  1. 100 devices for 5 s at 2.5x: the gateway gets every record, the devices every PUBACK, and the
#     bench sees the records the gateway forwarded (latency measured device -> uplink);
#  2. the gateway process is killed mid-run (once every device is connected) and started again (once the
#     bench reported it down): the bench does not crash, the devices reconnect with backoff (the reconnects
#     are in the KPIs) and the new gateway gets their records;
#  3. LwM2M devices instead, over UDP (a socket each): they register and Send, the gateway gets every Send;
#  4. the bench opens the devices' TCP connections before its clock starts, and closes those still unused
#     after 5 s: at speed 1 with a 10 s report period some devices take one and the others connect when
#     they start; the gateway gets every record, and no connection of the bench ever hit its CONNECT timeout.
# usage: hil-bridge.sh <twinbench> <twinbench-edge> <work dir>
set -euo pipefail
tb=$1 edge=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib.sh"
config='{"format": "twinbench-edge/1", "name": "lab-gw-0", "auth": {"allow_anonymous": true, "acl": [{"identity": "anonymous", "publish": ["#"], "subscribe": ["#"]}]}, "listen": {"port": PORT}, "forward_interval_ms": 200}'
start_edge "$edge" "${config/PORT/0}"
port=$eport
scenario() {  # scenario <file> <duration_s>
  cat > "$1" << JSON
{"format": "twinbench-scenario/1", "name": "hil-bridge", "duration_s": $2,
 "hil": {"speed": 2.5, "gateways": {"lab-gw-0": "mqtt://127.0.0.1:$port"}},
 "sites": [{"name": "lab", "gateways": 1, "devices_per_gateway": 100,
            "device": {"period_s": 1, "qos": 1, "reconnect": {"initial_s": 0.5, "max_s": 2}}, "link": {"preset": "ethernet"}}]}
JSON
}
kpi() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); [d := d[k] for k in sys.argv[2].split('/')]; print(d)" "$1" "$2"; }

# 1. The gateway gets everything.
scenario "$work/steady.json" 5
"$tb" hil "$work/steady.json" --out "$work/steady" --quiet > "$work/steady.stdout"
kill -TERM "$edge_pid" && wait "$edge_pid"
grep -q "101 sessions opened, 500 telemetry records, 0 protocol errors" "$work/edge.err" ||
  { echo "FAIL: the gateway did not get the 500 records"; cat "$work/edge.err"; exit 1; }
[ "$(kpi "$work/steady/summary.json" messages/generated)" = 500 ] || { echo "FAIL: generated"; exit 1; }
[ "$(kpi "$work/steady/summary.json" messages/puback_received)" -ge 490 ] || { echo "FAIL: PUBACKs $(kpi "$work/steady/summary.json" messages/puback_received)"; exit 1; }
received=$(kpi "$work/steady/summary.json" messages/received)
[ "$received" -ge 400 ] || { echo "FAIL: only $received records seen on the uplink"; exit 1; }

# 2. The gateway dies once all 100 devices are connected, and comes back, on the same port, once the bench saw it go.
cp "$work/edge.err" "$work/edge-steady.err"
start_edge "$edge" "${config/PORT/$port}"
scenario "$work/outage.json" 12
"$tb" hil "$work/outage.json" --out "$work/outage" --quiet > "$work/outage.stdout" 2> "$work/outage.stderr" &
bench=$!
# Connections that have spoken (sent their CONNECT): the bench opens the devices' connections before its clock starts.
connections() { ss -Htin state established "( sport = :$port )" 2> /dev/null | grep -c "bytes_received:" || true; }
for _ in $(seq 200); do [ "$(connections)" -ge 101 ] && break; sleep 0.05; done  # 100 devices + the uplink reader
[ "$(connections)" -ge 101 ] || { echo "FAIL: the devices did not connect: $(connections) connections"; cat "$work/outage.stderr"; exit 1; }
{ kill -KILL "$edge_pid" && wait "$edge_pid"; } 2> /dev/null || true  # killed, as a crash would
for _ in $(seq 200); do grep -q "gateway lab-gw-0 went down" "$work/outage.stderr" && break; sleep 0.05; done
grep -q "gateway lab-gw-0 went down" "$work/outage.stderr" || { echo "FAIL: the bench did not report the gateway down"; cat "$work/outage.stderr"; exit 1; }
start_edge "$edge" "${config/PORT/$port}"
wait "$bench" || { echo "FAIL: twinbench hil exited $? when the gateway died"; cat "$work/outage.stderr"; exit 1; }
kill -TERM "$edge_pid" && wait "$edge_pid"
reconnects=$(kpi "$work/outage/summary.json" sessions/reconnects/count)
faults=$(kpi "$work/outage/summary.json" faults/gateway_reboots)
[ "$faults" = 1 ] || { echo "FAIL: the killed gateway shows as $faults gateway faults, expected 1"; exit 1; }
[ "$reconnects" -ge 100 ] || { echo "FAIL: $reconnects reconnects after the gateway came back"; cat "$work/outage.stdout"; exit 1; }
after=$(sed -n 's/.* \([0-9]*\) telemetry records.*/\1/p' "$work/edge.err")
[ "${after:-0}" -ge 300 ] || { echo "FAIL: the restarted gateway got ${after:-0} records"; cat "$work/edge.err"; exit 1; }
# 3. LwM2M devices (coap://), the uplink read on the gateway's broker.
start_edge "$edge" '{"format": "twinbench-edge/1", "name": "lab-gw-0", "auth": {"allow_anonymous": true, "acl": [{"identity": "anonymous", "publish": ["#"], "subscribe": ["#"]}]}, "listen": {"port": 0}, "forward_interval_ms": 200,
  "lwm2m": {"listen": {"port": 0}, "fields": ["/3317/0/5700", "/3323/0/5700", "/3303/0/5700", "/3300/0/5700", "/3305/0/5800", "/3320/0/5700"],
  "observe": []}}'  # the devices report by Send (an observe request would get 4.04)
lport=$(sed -n 's/.*lwm2m on udp 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$work/edge.out")
sed 's/"qos": 1, "reconnect"/"protocol": "lwm2m", "reconnect"/; s/, "gateways": {[^}]*}//' "$work/steady.json" > "$work/lwm2m.json"
"$tb" hil "$work/lwm2m.json" --gateway "lab-gw-0=coap://127.0.0.1:$lport,mqtt://127.0.0.1:$eport" --out "$work/lwm2m" --quiet > "$work/lwm2m.stdout" ||
  { echo "FAIL: twinbench hil with LwM2M devices exited $?"; cat "$work/lwm2m.stdout"; exit 1; }
kill -TERM "$edge_pid" && wait "$edge_pid"
# 100 devices + the uplink reader; each device's first reading is taken while it registers, not sent.
grep -q "101 sessions opened, 400 telemetry records, 0 protocol errors.*lwm2m: 100 registered" "$work/edge.err" ||
  { echo "FAIL: the gateway did not get 400 LwM2M readings from 100 registrations"; cat "$work/edge.err"; exit 1; }
lwm2m_received=$(kpi "$work/lwm2m/summary.json" messages/received)
[ "$lwm2m_received" -ge 320 ] || { echo "FAIL: only $lwm2m_received LwM2M records seen on the uplink"; exit 1; }
grep -q "gateway lab-gw-0 is back" "$work/outage.stderr" || { echo "FAIL: the bench did not report the gateway back"; cat "$work/outage.stderr"; exit 1; }
# 4. Connections opened ahead: taken, or closed unused after 5 s.
start_edge "$edge" "${config/PORT/0}"
port=$eport
cat > "$work/ahead.json" << JSON
{"format": "twinbench-scenario/1", "name": "hil-ahead", "duration_s": 12, "seed": 3,
 "hil": {"speed": 1, "gateways": {"lab-gw-0": "mqtt://127.0.0.1:$port"}},
 "sites": [{"name": "lab", "gateways": 1, "devices_per_gateway": 20, "device": {"period_s": 10, "qos": 1}, "link": {"preset": "ethernet"}}]}
JSON
"$tb" hil "$work/ahead.json" --out "$work/ahead" --quiet > "$work/ahead.stdout" 2> "$work/ahead.stderr" ||
  { echo "FAIL: twinbench hil exited $?"; cat "$work/ahead.stderr"; exit 1; }
kill -TERM "$edge_pid" && wait "$edge_pid"
unused=$(sed -n 's/.*lab-gw-0: \([0-9]*\) device connections opened before the start went unused for 5 s.*/\1/p' "$work/ahead.stderr")
[ -n "$unused" ] && [ "$unused" -gt 0 ] && [ "$unused" -lt 20 ] ||
  { echo "FAIL: expected some of the 20 connections opened ahead to go unused for 5 s, and some taken"; cat "$work/ahead.stderr"; exit 1; }
generated=$(kpi "$work/ahead/summary.json" messages/generated)
grep -q "21 sessions opened, $generated telemetry records, 0 protocol errors.*0 without CONNECT" "$work/edge.err" ||
  { echo "FAIL: the gateway did not get the $generated records of 20 sessions, or a connection hit its CONNECT timeout"; cat "$work/edge.err"; exit 1; }
echo "ok: a real gateway took 500 of 500 records from 100 simulated devices ($received seen on its uplink); killed and restarted: 1 gateway fault, $reconnects reconnects and $after records after; 400 of 400 LwM2M Sends over UDP (each device's first reading taken while it registers); $((20 - unused)) of 20 connections opened ahead taken, $unused closed unused after 5 s, $generated of $generated records"
