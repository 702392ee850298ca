#!/usr/bin/env bash
# A report in a real browser: runs the scenario (or, with "sweep", sweeps it over two seeds), then
# tests/browser/report.mjs (sweep.mjs) opens its report.html in headless Chromium. The screenshot stays in
# the work dir as the test's artefact.
# Skipped (exit 77) only where Chromium or the npm packages are missing; scripts/install-deps installs both.
# usage: report-test.sh <twinbench> <scenario> <work dir> [sweep]
set -uo pipefail
tb=$1 scenario=$2 work=$3 mode=${4:-run} here=$(cd "$(dirname "$0")" && pwd)
chromium=${CHROMIUM:-/usr/bin/chromium}
[ -x "$chromium" ] || { echo "SKIP: no $chromium (scripts/install-deps installs it)"; exit 77; }
[ -d "$here/node_modules/puppeteer-core" ] || { echo "SKIP: no puppeteer-core in $here/node_modules (scripts/install-deps runs npm ci)"; exit 77; }
command -v node > /dev/null || { echo "SKIP: no node"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
if [ "$mode" = sweep ]; then
  "$tb" sweep "$scenario" --seeds 1..2 --jobs 2 --out "$work/sweep" --quiet > /dev/null
  code=$?
  [ "$code" -le 1 ] || { echo "FAIL: the sweep, exit $code"; exit 1; }  # 1: a gate over two seeds may fail
  CHROMIUM=$chromium node "$here/sweep.mjs" "$work/sweep/report.html" "$work/sweep" "$work/report.png"
else
  "$tb" run "$scenario" --out "$work/run" --quiet > /dev/null || { echo "FAIL: the run"; exit 1; }
  CHROMIUM=$chromium node "$here/report.mjs" "$work/run/report.html" "$work/run" "$work/report.png"
fi
