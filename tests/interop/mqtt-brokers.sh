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
start_mosquitto "$mosquitto_bin" $'listener PORT1 127.0.0.1\nallow_anonymous true\npersistence false' 1
mport=${mports[0]}

# twinbench-edge: any free port, which it prints.
start_edge "$edge" '{"format": "twinbench-edge/1", "name": "gw-interop", "auth": {"allow_anonymous": true, "acl": [{"identity": "anonymous", "publish": ["#"], "subscribe": ["#"]}]}, "listen": {"host": "127.0.0.1", "port": 0}}'

fail() { echo "FAIL: $*"; exit 1; }
# A subscriber in the background whose deliveries go to $out as "MSG topic qos retain payload"; it runs until
# finish stops it. Returns once the broker acknowledged its SUBSCRIBE (mosquitto_sub -d says so, line-buffered
# by stdbuf). Sets bg_pid.
subscribe_bg() {
  local port=$1 out=$2; shift 2
  stdbuf -oL mosquitto_sub "${V[@]}" -p "$port" -d -F 'MSG %t q%q r%r %p' "$@" > "$out.raw" 2>&1 &
  bg_pid=$!
  for _ in $(seq 400); do
    grep -q "received SUBACK" "$out.raw" 2> /dev/null && return 0
    kill -0 "$bg_pid" 2> /dev/null || break
    sleep 0.025
  done
  fail "no SUBACK for mosquitto_sub $*: $(cat "$out.raw")"
}
# wait_line <file> <pattern>: until the subscriber got it (at most 10 s).
wait_line() {
  for _ in $(seq 400); do grep -q "$2" "$1" 2> /dev/null && return 0; sleep 0.025; done
  fail "never got '$2': $(cat "$1")"
}
# finish <port> <topic> <pid:out>...: publish END on the topic, which every one of the subscribers matches;
# once each has it, whatever came before (duplicates too: no subscriber stops at a count) is in its file.
finish() {
  local port=$1 topic=$2 entry pid out code
  shift 2
  for entry in "$@"; do kill -0 "${entry%%:*}" 2> /dev/null || fail "a subscriber stopped early: $(cat "${entry#*:}.raw")"; done
  mosquitto_pub "${V[@]}" -p "$port" -q 1 -t "$topic" -m END
  for entry in "$@"; do
    pid=${entry%%:*} out=${entry#*:}
    wait_line "$out.raw" "^MSG $topic q[0-2] r[01] .*END$"
    kill "$pid"
    wait "$pid" 2> /dev/null
    code=$?
    [ "$code" -eq 0 ] || [ "$code" -eq 143 ] || fail "mosquitto_sub exited $code on SIGTERM: $(cat "$out.raw")"  # it disconnects cleanly
    grep '^MSG ' "$out.raw" > "$out"
  done
}

# The script: the same operations against a broker on $1, deliveries written under $2.
exercise() {
  local p=$1 d=$2
  mkdir -p "$d"
  # 1. QoS 0/1/2 to a QoS 2 subscriber, and to a QoS 0 one (downgraded).
  subscribe_bg "$p" "$d/qos2" -q 2 -t 'plant/#'
  local s2=$bg_pid
  subscribe_bg "$p" "$d/qos0" -q 0 -t 'plant/#'
  local s0=$bg_pid
  for q in 0 1 2; do mosquitto_pub "${V[@]}" -p "$p" -q "$q" -t "plant/line-1/q$q" -m "payload at qos $q"; done
  finish "$p" plant/end "$s2:$d/qos2" "$s0:$d/qos0"
  # 2. Retained messages: a new subscriber gets them with RETAIN set; an empty retained message clears one.
  mosquitto_pub "${V[@]}" -p "$p" -q 1 -r -t cfg/a -m alpha
  mosquitto_pub "${V[@]}" -p "$p" -q 0 -r -t cfg/b -m beta
  subscribe_bg "$p" "$d/retained" -q 1 -t 'cfg/#'
  finish "$p" cfg/end "$bg_pid:$d/retained"
  mosquitto_pub "${V[@]}" -p "$p" -q 1 -r -t cfg/a -n
  subscribe_bg "$p" "$d/retained-after-clear" -q 1 -t 'cfg/#'
  finish "$p" cfg/end "$bg_pid:$d/retained-after-clear"
  # 3. A will: a client killed without DISCONNECT.
  subscribe_bg "$p" "$d/will" -q 1 -t 'status/#'
  local watcher=$bg_pid
  subscribe_bg "$p" "$d/doomed" -i doomed -q 0 -t nothing/here --will-topic status/doomed --will-payload offline --will-qos 1
  { kill -9 "$bg_pid" && wait "$bg_pid"; } 2> /dev/null || true  # killed: its exit status is the signal's
  wait_line "$d/will.raw" '^MSG status/doomed '
  finish "$p" status/end "$watcher:$d/will"
  # 4. A persistent session (clean session 0) queues QoS 1 messages while its client is away.
  mosquitto_sub "${V[@]}" -p "$p" -i "keeper${#V[@]}" -c -q 1 -t 'queue/#' -E
  for i in 1 2 3; do mosquitto_pub "${V[@]}" -p "$p" -q 1 -t "queue/$i" -m "queued $i"; done
  mosquitto_pub "${V[@]}" -p "$p" -q 0 -t queue/qos0 -m "not kept for an absent client"
  subscribe_bg "$p" "$d/persistent" -i "keeper${#V[@]}" -c -q 1 -t 'queue/#'
  finish "$p" queue/end "$bg_pid:$d/persistent"
  # 5. Overlapping subscriptions of one client: one delivery, at the higher QoS.
  subscribe_bg "$p" "$d/overlap" -q 0 -t 'ov/#' -q 1 -t 'ov/+'
  mosquitto_pub "${V[@]}" -p "$p" -q 1 -t ov/x -m once
  finish "$p" ov/end "$bg_pid:$d/overlap"
  [ ${#V[@]} -eq 0 ] && return 0
  # MQTT 5 only. 6. Properties travel with the message; the subscription's identifier comes back.
  stdbuf -oL mosquitto_sub "${V[@]}" -p "$p" -d -q 1 -t 'props/#' -D subscribe subscription-identifier 5 \
    -F 'MSG %t q%q r%r [%P] [%C] [%S] %p' > "$d/properties.raw" 2>&1 &
  bg_pid=$!
  wait_line "$d/properties.raw" "received SUBACK"
  mosquitto_pub "${V[@]}" -p "$p" -q 1 -t props/a -m hi -D publish user-property line 4 -D publish content-type text/plain
  finish "$p" props/end "$bg_pid:$d/properties"
  # 7. Retain As Published keeps the RETAIN flag of a live message.
  subscribe_bg "$p" "$d/retain-as-published" -q 0 -t 'rap/#' --retain-as-published
  mosquitto_pub "${V[@]}" -p "$p" -q 0 -t rap/a -m kept -r
  finish "$p" rap/end "$bg_pid:$d/retain-as-published"
}

V=()
exercise "$mport" "$work/mosquitto"
exercise "$eport" "$work/twinbench-edge"
V=(-V mqttv5)  # the same, and more, in MQTT 5
exercise "$mport" "$work/mosquitto/v5"
exercise "$eport" "$work/twinbench-edge/v5"
# MQTT 5 lets a server send a copy per matching subscription beyond the first (MQTT 5 3.3.4): mosquitto sends
# two for the overlapping ones, ours one. Both conform, so that case is compared on its own.
for b in mosquitto twinbench-edge; do mv "$work/$b/v5/overlap" "$work/$b-v5-overlap"; done
[ "$(grep -vc ' END$' "$work/twinbench-edge-v5-overlap")" -eq 1 ] || fail "MQTT 5 overlapping subscriptions: not one delivery: $(cat "$work/twinbench-edge-v5-overlap")"
grep -qx 'MSG ov/x q1 r0 once' "$work/twinbench-edge-v5-overlap" || fail "MQTT 5 overlapping subscriptions: not at QoS 1"
n=$(grep -vc ' END$' "$work/mosquitto-v5-overlap")
[ "$n" -ge 1 ] && [ "$n" -le 2 ] || fail "mosquitto, MQTT 5 overlapping subscriptions: $n deliveries"
if ! diff -r -u "$work/mosquitto" "$work/twinbench-edge" -x '*.raw' > "$work/diff"; then
  echo "FAIL: twinbench-edge delivered differently from mosquitto:"; cat "$work/diff"; exit 1
fi
# The script must have exercised something: every expected delivery, counted on mosquitto's side, each once
# (the END that closed each subscriber aside).
expected="qos2:3 qos0:3 retained:2 retained-after-clear:1 will:1 persistent:3 overlap:1 v5/qos2:3 v5/persistent:3 v5/properties:1 v5/retain-as-published:1"
for e in $expected; do
  n=$(grep -vc ' END$' "$work/mosquitto/${e%%:*}")
  [ "$n" -eq "${e##*:}" ] || fail "${e%%:*}: $n deliveries, expected ${e##*:}: $(cat "$work/mosquitto/${e%%:*}")"
  [ "$(grep -c ' END$' "$work/mosquitto/${e%%:*}")" -eq 1 ] || fail "${e%%:*}: END delivered more than once"
done
grep -qx 'MSG plant/line-1/q2 q2 r0 payload at qos 2' "$work/mosquitto/qos2" || { echo "FAIL: unexpected qos2 deliveries"; exit 1; }
grep -qx 'MSG cfg/a q1 r1 alpha' "$work/mosquitto/retained" || { echo "FAIL: unexpected retained deliveries"; exit 1; }
grep -qx 'MSG props/a q1 r0 \[line:4\] \[text/plain\] \[5\] hi' "$work/mosquitto/v5/properties" || { echo "FAIL: unexpected v5 properties"; cat "$work/mosquitto/v5/properties"; exit 1; }
echo "ok: twinbench-edge and mosquitto $("$mosquitto_bin" -h 2> /dev/null | head -1 | sed 's/^mosquitto version //;s/ .*//') delivered the same $(find "$work/mosquitto" -type f ! -name '*.raw' -exec cat {} + | grep -vc ' END$') messages, each once"

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
