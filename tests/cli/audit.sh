#!/usr/bin/env bash
# twinbench audit: a log made with `audit append` verifies; each kind of tampering fails verify with
# exit 1, naming the first bad record; a broken log is not extended.
# usage: audit.sh <twinbench> <work dir>
set -euo pipefail
tb=$1 work=$2
rm -rf "$work" && mkdir -p "$work"
cd "$work"
n=0
for entry in 'cloud|rules_changed|{"rules": 3}' 'gateway plant-a-gw-0|model_installed|{"model": "compressor-ae", "version": 2}' \
             'device d17|ota_committed|{"slot": "B"}' 'operator ana|alert_acknowledged|{"alert": 12}' 'cloud|rollback|{"to": 1}'; do
  IFS='|' read -r actor action details <<< "$entry"
  "$tb" audit append log.jsonl --actor "$actor" --action "$action" --details "$details" --t-us $((1000000 * ++n)) > /dev/null
done
"$tb" audit verify log.jsonl > ok.out
head=$(sed -n 's/^ok: log.jsonl: 5 records, head \([0-9a-f]\{64\}\)$/\1/p' ok.out)
[ -n "$head" ] || { echo "FAIL: verify of an intact log: $(cat ok.out)"; exit 1; }

fails=0
expect_fail() {  # expect_fail <name> <expected stderr> <log file> [verify options]
  local name=$1 want=$2 log=$3
  shift 3
  set +e
  "$tb" audit verify "$log" "$@" > /dev/null 2> "$name.err"
  local code=$?
  set -e
  if [ "$code" -ne 1 ] || [ "$(cat "$name.err")" != "$want" ]; then
    echo "FAIL: $name: exit $code, stderr '$(cat "$name.err")', wanted '$want'"; fails=$((fails + 1))
  fi
}
sed '3s/"slot":"B"/"slot":"A"/' log.jsonl > modified.jsonl
expect_fail modified "FAIL: modified.jsonl:3: record 2: modified: its content does not match its hash" modified.jsonl
sed '2d' log.jsonl > dropped.jsonl
expect_fail dropped "FAIL: dropped.jsonl:2: record 1: out of sequence: seq 2 where seq 1 was due (records were dropped, repeated or reordered)" dropped.jsonl
{ sed -n 1p log.jsonl; sed -n 3p log.jsonl; sed -n 2p log.jsonl; sed -n 4,5p log.jsonl; } > reordered.jsonl
expect_fail reordered "FAIL: reordered.jsonl:2: record 1: out of sequence: seq 2 where seq 1 was due (records were dropped, repeated or reordered)" reordered.jsonl
# A forger replaces record 1 and re-hashes it properly; record 2 still points at the original.
head -1 log.jsonl > forged.jsonl
"$tb" audit append forged.jsonl --actor "gateway plant-a-gw-0" --action model_installed --details '{"model": "evil", "version": 2}' --t-us 2000000 > /dev/null
sed -n '3,5p' log.jsonl >> forged.jsonl
expect_fail forged "FAIL: forged.jsonl:2: record 1: replaced: the record after it was chained to another one" forged.jsonl
head -4 log.jsonl > cut.jsonl
"$tb" audit verify cut.jsonl > /dev/null || { echo "FAIL: a log cut short is still a valid chain"; fails=$((fails + 1)); }
expect_fail cut "FAIL: cut.jsonl: the log ends at head $(sed -n '4s/.*"hash":"\([0-9a-f]*\)".*/\1/p' log.jsonl), not at the expected $head (records were cut off the end)" cut.jsonl --expect-head "$head"
set +e
"$tb" audit append modified.jsonl --actor x --action y > /dev/null 2> append.err
code=$?
set -e
[ "$code" -eq 1 ] && grep -q "record 2: modified" append.err || { echo "FAIL: appending to a broken log: exit $code"; fails=$((fails + 1)); }
cmp -s <(sed -n '6p' modified.jsonl) /dev/null || { echo "FAIL: a broken log was extended"; fails=$((fails + 1)); }
[ "$fails" -eq 0 ] || exit 1
echo "ok: an intact log of 5 records verifies; modified, dropped, reordered, replaced and cut-off records are found"
