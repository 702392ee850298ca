#!/usr/bin/env bash
# Results never destroy what twinbench did not write, and never leave a half-written or orphaned folder:
#  1. a run's folder carries its marker; running again replaces it, and leaves nothing beside it;
#  2. a run killed with SIGKILL leaves its staging folder (marked, named after its process); the next run to
#     the same folder removes it, and the results are whole;
#  3. a folder twinbench wrote, to which a user added a file, is refused (exit 2) and kept as it was.
# usage: outputs.sh <twinbench> <a scenario that takes a few seconds> <work dir>
set -uo pipefail
tb=$1 scenario=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
out="$work/results"
"$tb" run "$scenario" --out "$out" --quiet > /dev/null || fail "the first run"
[ -s "$out/.twinbench-results" ] && grep -q '"format": "twinbench-results/1"' "$out/.twinbench-results" || fail "no marker in the results"
first=$(md5sum < "$out/run.json")
"$tb" run "$scenario" --out "$out" --quiet > /dev/null || fail "the second run"
[ "$(md5sum < "$out/run.json")" != "$first" ] || fail "the second run did not replace the first"
[ "$(ls -A "$work")" = "results" ] || fail "left beside the results: $(ls -A "$work")"

# 2. SIGKILL mid-run.
"$tb" run "$scenario" --out "$out" --quiet > /dev/null 2>&1 &
pid=$!
for _ in $(seq 200); do [ -e "$out.partial-$pid/.twinbench-staging" ] && break; sleep 0.05; done
[ -e "$out.partial-$pid/.twinbench-staging" ] || fail "no staging folder $out.partial-$pid while the run was going"
kill -KILL "$pid"
wait "$pid" 2> /dev/null
[ -d "$out.partial-$pid" ] || fail "the killed run's staging folder is gone already"
[ -s "$out/summary.json" ] || fail "the killed run damaged the previous results"
"$tb" run "$scenario" --out "$out" --quiet > /dev/null || fail "the run after the kill"
[ ! -e "$out.partial-$pid" ] || fail "the next run left the killed run's staging folder"
[ "$(ls -A "$work")" = "results" ] || fail "left beside the results: $(ls -A "$work")"

# 3. A user's file in the results: refused, kept.
echo "my notes" > "$out/notes.txt"
before=$(cd "$out" && find . -type f -print0 | sort -z | xargs -0 md5sum)
"$tb" run "$scenario" --out "$out" --quiet > /dev/null 2> "$work/refused.err"
code=$?
[ "$code" -eq 2 ] || fail "a results folder with a user's file in it: exit $code, expected 2"
grep -q "holds notes.txt, which twinbench did not write there" "$work/refused.err" || fail "$(cat "$work/refused.err")"
[ "$(cd "$out" && find . -type f -print0 | sort -z | xargs -0 md5sum)" = "$before" ] || fail "the refused run changed the folder"
echo "ok: results replaced whole; a killed run's staging folder removed by the next; a user's file refused and kept"
