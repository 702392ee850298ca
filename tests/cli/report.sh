#!/usr/bin/env bash
# twinbench report: a run writes report.html; `twinbench report` writes the same bytes again from the
# results; it never replaces a file it did not write, and bad input is exit 2 with nothing written.
# (What the page shows is checked in results/src/report/Report_test.cpp; in a browser by the browser test.)
# usage: report.sh <twinbench> <scenario> <work dir>
set -uo pipefail
tb=$1 scenario=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
"$tb" run "$scenario" --out "$work/run" --quiet > /dev/null || fail "the run"
[ -s "$work/run/report.html" ] || fail "the run wrote no report.html"
grep -q '"report.html"' "$work/run/.twinbench-results" || fail "report.html is not in the results' marker"
out=$("$tb" report "$work/run" --out "$work/again.html") || fail "twinbench report: exit $?"
[ "$out" = "twinbench report: $work/again.html" ] || fail "unexpected output: $out"
cmp "$work/run/report.html" "$work/again.html" || fail "the report written again differs from the run's"
"$tb" report "$work/run" > /dev/null || fail "rewriting the run's own report.html"
cmp "$work/run/report.html" "$work/again.html" || fail "the rewritten report.html differs"
# Its figures are the run's own: the net savings of summary.json, as the page formats them.
savings=$(sed -n 's/.*"net_savings": \([0-9.]*\).*/\1/p' "$work/run/summary.json" | head -1)
shown=$(printf "%.0f" "$savings" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta')
grep -q "id=\"net-savings\">$shown " "$work/run/report.html" || fail "net savings $savings not shown as $shown"

check() {  # check <expected stderr substring> <args...>: exit 2, nothing written
  local msg=$1; shift
  "$tb" report "$@" > /dev/null 2> "$work/err"
  local code=$?
  [ "$code" -eq 2 ] || fail "twinbench report $*: exit $code, expected 2"
  grep -qF "$msg" "$work/err" || fail "twinbench report $*: $(cat "$work/err")"
}
echo "my page" > "$work/mine.html"
check "exists and is not a twinbench report" "$work/run" --out "$work/mine.html"
[ "$(cat "$work/mine.html")" = "my page" ] || fail "a file twinbench did not write was changed"
check "not a folder" "$work/nowhere"
mkdir -p "$work/partial" && cp "$work/run/summary.json" "$work/partial/"
check "partial/run.json: no such file (expected the results of \`twinbench run\`)" "$work/partial"
[ ! -e "$work/partial/report.html" ] || fail "a report was written from partial results"
check "unknown option '--bogus'" "$work/run" --bogus
echo "ok"
