#!/usr/bin/env bash
# twinbench-edge keeps an audit log in real time: each start is a record, a rule change from the cloud is
# one (here refused: this gateway has no detector); a restart continues the same chain; `twinbench audit
# verify` passes; a torn last record is cut off at the next start and that is audited; a log cut short,
# emptied or deleted is refused (its checkpoint kept the head), and so is one someone altered (exit 2,
# naming the record); none is extended. The head also goes to the cloud (tb/audit/g): a log rewritten from
# scratch, checkpoint and all, fails `audit verify --expect-head N:HASH` against the head the cloud kept.
# usage: edge-audit.sh <twinbench-edge> <twinbench> <work dir>
set -euo pipefail
edge=$1 tb=$2 work=$3
command -v mosquitto_pub > /dev/null || { echo "SKIP: mosquitto_pub is not installed (apt-get install mosquitto-clients): the rule change is sent with it"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
printf 'cloud-secret\n' | "$edge" passwd "$work/passwords" cloud --cost 4 2> /dev/null
cat > "$work/edge.json" <<'JSON'
{"format": "twinbench-edge/1", "name": "g", "listen": {"port": 0}, "audit_log": "audit.jsonl", "audit_head_interval_s": 1,
 "auth": {"password_file": "passwords", "control_identities": ["cloud"], "acl": [{"identity": "cloud", "subscribe": ["tb/audit/g"]}]}}
JSON
pid=
stop() { [ -n "$pid" ] && kill "$pid" 2> /dev/null && wait "$pid" 2> /dev/null; pid=; }
trap stop EXIT
start() {  # start the daemon and wait for its port
  "$edge" --config "$work/edge.json" > "$work/out" 2> "$work/err" &
  pid=$!
  for _ in $(seq 100); do grep -q listening "$work/out" && break; sleep 0.05; done
  port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\)$/\1/p' "$work/out")
  [ -n "$port" ] || { echo "FAIL: twinbench-edge did not start: $(cat "$work/err")"; exit 1; }
}
start
# The cloud keeps the head the gateway sends (within a second: one record so far, its start).
mosquitto_sub -p "$port" -u cloud -P cloud-secret -t tb/audit/g -C 1 -W 10 > "$work/head.json" ||
  { echo "FAIL: no audit head reached the cloud: $(cat "$work/err")"; exit 1; }
kept=$(python3 -c 'import json, sys; h = json.load(open(sys.argv[1])); print(str(h["records"]) + ":" + h["head"])' "$work/head.json")
[ "${kept%%:*}" -ge 1 ] || { echo "FAIL: the head sent: $(cat "$work/head.json")"; exit 1; }
# The cloud sends alert rules on the gateway's own broker.
mosquitto_pub -p "$port" -u cloud -P cloud-secret -t tb/cloud/g/rules -m '{"format": "twinbench-rules/1", "rules": []}'
for _ in $(seq 100); do grep -q rules_refused "$work/audit.jsonl" && break; sleep 0.05; done
grep -q '"action":"rules_refused","details":{"reason":"no anomaly detector on this gateway"}' "$work/audit.jsonl" ||
  { echo "FAIL: the refused rule change is not in the audit log"; cat "$work/audit.jsonl"; exit 1; }
stop
start
stop
records=3  # two starts and the refused rule change
"$tb" audit verify "$work/audit.jsonl" > "$work/verify.out" || { echo "FAIL: the daemon's audit log does not verify"; exit 1; }
grep -q "^ok: .*: $records records, head " "$work/verify.out" || { echo "FAIL: expected $records records: $(cat "$work/verify.out")"; exit 1; }
t=$(sed -n '1s/.*"t_us":\([0-9]*\),.*/\1/p' "$work/audit.jsonl")
[ "$t" -gt 1700000000000000 ] || { echo "FAIL: record times are not UTC microseconds: $t"; exit 1; }
# A power cut tore the last append: the next start cuts the torn line off and audits that it did.
printf '{"seq":3,"t_us":17' >> "$work/audit.jsonl"
start
stop
grep -q "cut a torn last record (18 bytes) off the audit log" "$work/err" || { echo "FAIL: no recovery line: $(cat "$work/err")"; exit 1; }
"$tb" audit verify "$work/audit.jsonl" > "$work/verify.out" || { echo "FAIL: the recovered log does not verify: $(cat "$work/verify.out")"; exit 1; }
grep -q "^ok: .*: 5 records, head " "$work/verify.out" || { echo "FAIL: expected 5 records (3, the recovery, a start): $(cat "$work/verify.out")"; exit 1; }
grep -q '"action":"audit_log_recovered","details":{"records_kept":3,"torn_bytes_cut":18}' "$work/audit.jsonl" || { echo "FAIL: the recovery is not audited"; exit 1; }
# Cut short, emptied, deleted: the checkpoint beside the log knows there were 5 records; the daemon refuses.
cp "$work/audit.jsonl" "$work/audit.intact"
refused() {  # refused <what> <expected message part>
  set +e
  timeout 10 "$edge" --config "$work/edge.json" > /dev/null 2> "$work/refused.err"
  local code=$?
  set -e
  [ "$code" -eq 2 ] && grep -qF "$2" "$work/refused.err" || { echo "FAIL: a log $1: exit $code, $(cat "$work/refused.err")"; exit 1; }
}
head -n 4 "$work/audit.intact" > "$work/audit.jsonl"
refused "cut short" "audit.jsonl: the audit log holds 4 records, but its checkpoint ($work/audit.jsonl.checkpoint) says 5 were written: it was cut short, emptied or deleted (it is not extended)"
: > "$work/audit.jsonl"
refused "emptied" "holds 0 records, but its checkpoint"
rm "$work/audit.jsonl"
refused "deleted" "holds 0 records, but its checkpoint"
[ ! -e "$work/audit.jsonl" ] || { echo "FAIL: the daemon made a new log where one was deleted"; exit 1; }
cp "$work/audit.intact" "$work/audit.jsonl"
# Someone edits the first record: the daemon will not extend that log.
sed -i '1s/"name\|"forward_interval_us":10000000/"forward_interval_us":1/' "$work/audit.jsonl"
before=$(wc -l < "$work/audit.jsonl")
set +e
timeout 10 "$edge" --config "$work/edge.json" > /dev/null 2> "$work/tampered.err"
code=$?
set -e
grep -q "^error: .*audit.jsonl:1: record 0: modified: its content does not match its hash (the audit log is not intact: it is not extended)$" "$work/tampered.err" &&
  [ "$code" -eq 2 ] || { echo "FAIL: a tampered log: exit $code, $(cat "$work/tampered.err")"; exit 1; }
[ "$(wc -l < "$work/audit.jsonl")" -eq "$before" ] || { echo "FAIL: the tampered log was extended"; exit 1; }
# The log as the cloud saw it is still there (the intact copy); a log rewritten from scratch (checkpoint
# and all) is caught.
cp "$work/audit.intact" "$work/audit.jsonl"
"$tb" audit verify "$work/audit.jsonl" --expect-head "$kept" > /dev/null || { echo "FAIL: the log does not hold the head the cloud kept ($kept)"; exit 1; }
rm "$work/audit.jsonl" "$work/audit.jsonl.checkpoint"
start
stop
set +e
"$tb" audit verify "$work/audit.jsonl" --expect-head "$kept" > "$work/rewritten.out" 2>&1
code=$?
set -e
[ "$code" -eq 1 ] && grep -q "not the head kept elsewhere" "$work/rewritten.out" ||
  { echo "FAIL: a rewritten log against the cloud's head: exit $code, $(cat "$work/rewritten.out")"; exit 1; }
echo "ok: $records records over two runs verify; a torn last record is cut off and audited; a log cut short, emptied or deleted (the checkpoint knows) and an altered record 0 stop the daemon (exit 2) and the log stays as it was; the head kept by the cloud catches a log rewritten from scratch"
