#!/usr/bin/env bash
# twinbench compare on sweeps: a candidate that differs from the baseline only in its seeds passes (exit 0);
# one whose alert rule raises far above the model's threshold misses faults and is a regression (exit 1),
# named in the Markdown report and the JSON. Also one run against another, and bad input (exit 2).
# usage: compare.sh <twinbench> <scenario> <work dir>
set -uo pipefail
tb=$1 scenario=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
fail() { echo "FAIL: $*"; exit 1; }
sweep() { "$tb" sweep "$scenario" --jobs 2 --quiet "$@" > /dev/null 2>> "$work/sweeps.stderr"; }
sweep --seeds 1..5 --out "$work/baseline" || fail "the baseline sweep failed: $(cat "$work/sweeps.stderr")"
sweep --seeds 6..10 --out "$work/reseeded" || fail "the reseeded sweep failed: $(cat "$work/sweeps.stderr")"
sweep --seeds 1..5 --set /sites/0/edge_ai/rules=rules-late.json --out "$work/degraded"  # its gates may fail: exit 1 is fine

"$tb" compare "$work/baseline" "$work/reseeded" --tolerance "$scenario/tolerance.json" --json "$work/reseeded.json" > "$work/reseeded.md"
code=$?
[ "$code" -eq 0 ] || fail "a candidate that differs only in its seeds was flagged (exit $code): $(cat "$work/reseeded.md")"
grep -q '^\*\*No regression.\*\*' "$work/reseeded.md" || fail "no verdict line: $(cat "$work/reseeded.md")"

"$tb" compare "$work/baseline" "$work/degraded" --tolerance "$scenario/tolerance.json" --json "$work/degraded.json" --html "$work/degraded.html" > "$work/degraded.md"
code=$?
[ "$code" -eq 1 ] || fail "the degraded candidate was not a regression (exit $code): $(cat "$work/degraded.md")"
grep -q '^\*\*Regression.\*\*' "$work/degraded.md" || fail "no regression verdict: $(cat "$work/degraded.md")"
grep -q '| `/detection/recall` | higher | 1 | .* | \*\*regression\*\*' "$work/degraded.md" || fail "recall not named as the regression: $(cat "$work/degraded.md")"
python3 - "$work/degraded.json" <<'PY' || fail "the JSON report does not say it"
import json, sys
c = json.load(open(sys.argv[1]))
assert c["kind"] == "sweep" and c["regression"] is True
recall = [k for k in c["judged"] if k["kpi"] == "/detection/recall"][0]
assert recall["verdict"] == "regression" and recall["p_adjusted"] < 0.05 and recall["delta"] < -0.05, recall
PY
# The HTML report says the same; in headless Chromium where it is installed (scripts/install-deps does).
grep -q 'id="verdict">REGRESSION<' "$work/degraded.html" || fail "the HTML report has no regression verdict"
browser=$(cd "$(dirname "$0")/../browser" && pwd)
if [ -x "${CHROMIUM:-/usr/bin/chromium}" ] && [ -d "$browser/node_modules/puppeteer-core" ] && command -v node > /dev/null; then
  node "$browser/compare.mjs" "$work/degraded.html" "$work/degraded.json" > "$work/browser.out" 2>&1 || fail "in the browser: $(cat "$work/browser.out")"
else
  echo "note: no chromium or puppeteer-core: the comparison's page was not opened in a browser"
fi

# One run against another: no significance, so only a broken gate or a tolerance judges.
"$tb" compare "$work/baseline/cells/p0/seed-1" "$work/baseline/cells/p0/seed-1" > "$work/same.md" || fail "a run against itself: $(cat "$work/same.md")"
"$tb" compare "$work/baseline/cells/p0/seed-1" "$work/degraded/cells/p0/seed-1" --tolerance "$scenario/tolerance.json" > "$work/runs.md"
[ $? -eq 1 ] || fail "one degraded run against one baseline run, with tolerances, was not a regression: $(cat "$work/runs.md")"

# Bad input: exit 2, a clear line.
"$tb" compare "$work/baseline" > /dev/null 2> "$work/bad1.err"; [ $? -eq 2 ] || fail "one folder: expected exit 2"
"$tb" compare "$work/baseline" "$work/baseline/cells/p0/seed-1" > /dev/null 2> "$work/bad2.err"; [ $? -eq 2 ] || fail "a sweep against a run: expected exit 2"
grep -q "compare a run with a run, or a sweep with a sweep" "$work/bad2.err" || fail "$(cat "$work/bad2.err")"
echo '{"format": "twinbench-tolerance/1", "kpis": {"/detection/recall": {"better": "up"}}}' > "$work/bad-tolerance.json"
"$tb" compare "$work/baseline" "$work/reseeded" --tolerance "$work/bad-tolerance.json" > /dev/null 2> "$work/bad3.err"
[ $? -eq 2 ] || fail "a bad tolerance file: expected exit 2"
grep -q 'bad-tolerance.json: /kpis/~1detection~1recall/better: expected "higher" or "lower", got .up.' "$work/bad3.err" || fail "$(cat "$work/bad3.err")"
echo "ok: reseeded candidate passes, degraded candidate is a regression (recall), runs and bad input handled"
