#!/usr/bin/env bash
# Interop and differential test of twinbench-edge's embedded MQTT broker against Debian's mosquitto.
# Starts mosquitto on a free loopback port and twinbench-edge on another, drives both with the same
# script of mosquitto_pub / mosquitto_sub operations (QoS 0/1/2 and downgrades, retained messages and
# their clearing, a will on a killed client, a persistent session that queues while its client is
# away, overlapping subscriptions), once in MQTT 3.1.1 and once in MQTT 5 (with user properties, content
# type, a subscription identifier and Retain As Published besides), and requires the same deliveries
# from both, message by message (topic, QoS, retain flag, MQTT 5 properties, payload). Then checks what
# only our broker is asked here: an MQTT 3.1 client is dropped, and SIGTERM stops it cleanly.
# usage: mqtt-brokers.sh <twinbench-edge> <work dir>      exit 77 = skipped (mosquitto not installed)
set -euo pipefail
edge=$1 work=$2
for tool in mosquitto mosquitto_pub mosquitto_sub; do
  command -v "$tool" > /dev/null || [ -x "/usr/sbin/$tool" ] || { echo "SKIP: $tool is not installed (apt-get install mosquitto mosquitto-clients)"; exit 77; }
done
mosquitto_bin=$(command -v mosquitto || echo /usr/sbin/mosquitto)
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/lib.sh"

# mosquitto: anonymous, no persistence, loopback only.
mport=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$mport" > "$work/mosquitto.conf"
"$mosquitto_bin" -c "$work/mosquitto.conf" > "$work/mosquitto.log" 2>&1 &
pids+=($!)
wait_for_port "$mport"

# twinbench-edge: any free port, which it prints.
start_edge "$edge" '{"format": "twinbench-edge/1", "name": "gw-interop", "listen": {"host": "127.0.0.1", "port": 0}}'

# A subscriber in the background whose deliveries go to $out as "MSG topic qos retain payload";
# returns once the broker acknowledged its SUBSCRIBE (mosquitto_sub -d says so on stdout, line-buffered by stdbuf).
subscribe_bg() {
  local port=$1 out=$2; shift 2
  stdbuf -oL mosquitto_sub "${V[@]}" -p "$port" -d -F 'MSG %t q%q r%r %p' "$@" > "$out.raw" 2>&1 &
  bg_pid=$!
  for _ in $(seq 200); do grep -q "received SUBACK" "$out.raw" 2> /dev/null && return 0; sleep 0.025; done
  echo "FAIL: no SUBACK for mosquitto_sub $*"; cat "$out.raw"; exit 1
}
finish_bg() {  # wait for the subscriber, keep its deliveries
  local out=$1
  wait "$bg_pid" || true
  grep '^MSG ' "$out.raw" > "$out" || true
}

# The script: the same operations against a broker on $1, deliveries written under $2.
exercise() {
  local p=$1 d=$2
  mkdir -p "$d"
  # 1. QoS 0/1/2 to a QoS 2 subscriber, and to a QoS 0 one (downgraded).
  subscribe_bg "$p" "$d/qos2" -q 2 -t 'plant/#' -C 3 -W 10
  local s2=$bg_pid
  subscribe_bg "$p" "$d/qos0" -q 0 -t 'plant/#' -C 3 -W 10
  local s0=$bg_pid
  for q in 0 1 2; do mosquitto_pub "${V[@]}" -p "$p" -q "$q" -t "plant/line-1/q$q" -m "payload at qos $q"; done
  bg_pid=$s2; finish_bg "$d/qos2"
  bg_pid=$s0; finish_bg "$d/qos0"
  # 2. Retained messages: a new subscriber gets them with RETAIN set; an empty retained message clears one.
  mosquitto_pub "${V[@]}" -p "$p" -q 1 -r -t cfg/a -m alpha
  mosquitto_pub "${V[@]}" -p "$p" -q 0 -r -t cfg/b -m beta
  mosquitto_sub "${V[@]}" -p "$p" -q 1 -t 'cfg/#' -C 2 -W 10 -F 'MSG %t q%q r%r %p' > "$d/retained"
  mosquitto_pub "${V[@]}" -p "$p" -q 1 -r -t cfg/a -n
  mosquitto_sub "${V[@]}" -p "$p" -q 1 -t 'cfg/#' -C 1 -W 10 -F 'MSG %t q%q r%r %p' > "$d/retained-after-clear"
  # 3. A will: a client killed without DISCONNECT.
  subscribe_bg "$p" "$d/will" -q 1 -t 'status/#' -C 1 -W 10
  local watcher=$bg_pid
  subscribe_bg "$p" "$d/doomed" -i doomed -q 0 -t nothing/here --will-topic status/doomed --will-payload offline --will-qos 1
  { kill -9 "$bg_pid" && wait "$bg_pid"; } 2> /dev/null || true
  bg_pid=$watcher; finish_bg "$d/will"
  # 4. A persistent session (clean session 0) queues QoS 1 messages while its client is away.
  mosquitto_sub "${V[@]}" -p "$p" -i "keeper${#V[@]}" -c -q 1 -t 'queue/#' -E
  for i in 1 2 3; do mosquitto_pub "${V[@]}" -p "$p" -q 1 -t "queue/$i" -m "queued $i"; done
  mosquitto_pub "${V[@]}" -p "$p" -q 0 -t queue/qos0 -m "not kept for an absent client"
  mosquitto_sub "${V[@]}" -p "$p" -i "keeper${#V[@]}" -c -q 1 -t 'queue/#' -C 3 -W 10 -F 'MSG %t q%q r%r %p' > "$d/persistent"
  # 5. Overlapping subscriptions of one client: one delivery, at the higher QoS.
  subscribe_bg "$p" "$d/overlap" -q 0 -t 'ov/#' -q 1 -t 'ov/+' -C 1 -W 10
  mosquitto_pub "${V[@]}" -p "$p" -q 1 -t ov/x -m once
  finish_bg "$d/overlap"
  [ ${#V[@]} -eq 0 ] && return 0
  # MQTT 5 only. 6. Properties travel with the message; the subscription's identifier comes back.
  subscribe_bg "$p" "$d/properties" -q 1 -t 'props/#' -D subscribe subscription-identifier 5 -C 1 -W 10 -F 'MSG %t q%q r%r [%P] [%C] [%S] %p'
  mosquitto_pub "${V[@]}" -p "$p" -q 1 -t props/a -m hi -D publish user-property line 4 -D publish content-type text/plain
  finish_bg "$d/properties"
  # 7. Retain As Published keeps the RETAIN flag of a live message.
  subscribe_bg "$p" "$d/retain-as-published" -q 0 -t 'rap/#' --retain-as-published -C 1 -W 10
  mosquitto_pub "${V[@]}" -p "$p" -q 0 -t rap/a -m kept -r
  finish_bg "$d/retain-as-published"
}

V=()
exercise "$mport" "$work/mosquitto"
exercise "$eport" "$work/twinbench-edge"
V=(-V mqttv5)  # the same, and more, in MQTT 5
exercise "$mport" "$work/mosquitto/v5"
exercise "$eport" "$work/twinbench-edge/v5"
if ! diff -r -u "$work/mosquitto" "$work/twinbench-edge" -x '*.raw' > "$work/diff"; then
  echo "FAIL: twinbench-edge delivered differently from mosquitto:"; cat "$work/diff"; exit 1
fi
# The script must have exercised something: every expected delivery, counted on mosquitto's side.
expected="qos2:3 qos0:3 retained:2 retained-after-clear:1 will:1 persistent:3 overlap:1 v5/qos2:3 v5/persistent:3 v5/properties:1 v5/retain-as-published:1"
for e in $expected; do
  n=$(wc -l < "$work/mosquitto/${e%%:*}")
  [ "$n" -eq "${e##*:}" ] || { echo "FAIL: ${e%%:*}: $n deliveries, expected ${e##*:}"; cat "$work/mosquitto/${e%%:*}"; exit 1; }
done
grep -qx 'MSG plant/line-1/q2 q2 r0 payload at qos 2' "$work/mosquitto/qos2" || { echo "FAIL: unexpected qos2 deliveries"; exit 1; }
grep -qx 'MSG cfg/a q1 r1 alpha' "$work/mosquitto/retained" || { echo "FAIL: unexpected retained deliveries"; exit 1; }
grep -qx 'MSG props/a q1 r0 \[line:4\] \[text/plain\] \[5\] hi' "$work/mosquitto/v5/properties" || { echo "FAIL: unexpected v5 properties"; cat "$work/mosquitto/v5/properties"; exit 1; }
echo "ok: twinbench-edge and mosquitto $( (mosquitto -h 2> /dev/null || true) | head -1 | sed 's/^mosquitto version //;s/ .*//') delivered the same $(find "$work/mosquitto" -type f ! -name '*.raw' -exec cat {} + | wc -l) messages"

# Only ours: an MQTT 3.1 client ("MQIsdp", which mosquitto still accepts) is dropped (MQTT-3.1.2-1), and
# SIGTERM stops the daemon cleanly.
set +e
mosquitto_pub -p "$eport" -V mqttv31 -t x -m y > "$work/v31.out" 2>&1
code=$?
set -e
[ "$code" -ne 0 ] || { echo "FAIL: an MQTT 3.1 client was accepted"; cat "$work/v31.out"; exit 1; }
kill -TERM "$edge_pid"
wait "$edge_pid" || { echo "FAIL: twinbench-edge exited $? on SIGTERM"; cat "$work/edge.err"; exit 1; }
grep -q "stopped after" "$work/edge.err" || { echo "FAIL: no summary on stop"; exit 1; }
echo "ok: MQTT 3.1 refused; SIGTERM stops twinbench-edge with exit 0"
