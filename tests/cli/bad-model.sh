#!/usr/bin/env bash
# A model that never fires (its threshold raised to 1e9, the pilot's rules replaced by the default rule
# at the model's threshold) must make the pilot's detection assertions fail: exit 1, and the failed
# assertion named.
# usage: bad-model.sh <twinbench> <repo root> <work dir>
set -euo pipefail
tb=$1 root=$2 work=$3
rm -rf "$work" && mkdir -p "$work/scenario"
cp -r "$root/models/compressor-ae" "$work/never-fires"
sed -i 's/^  "threshold": .*,$/  "threshold": 1000000000,/' "$work/never-fires/manifest.json"
grep -q '"threshold": 1000000000,' "$work/never-fires/manifest.json" || { echo "FAIL: could not edit the threshold"; exit 1; }
sed -e "s|\"model\": \"../../models/compressor-ae\"|\"model\": \"$work/never-fires\"|" -e '/"rules": "rules.json",/d' \
    -e "s|\"../../models/dtdl\"|\"$root/models/dtdl\"|" "$root/scenarios/compressor-pilot/scenario.json" > "$work/scenario/scenario.json"
set +e
"$tb" run "$work/scenario" --out "$work/out" --quiet > "$work/stdout" 2> "$work/stderr"
code=$?
set -e
[ "$code" -eq 1 ] || { echo "FAIL: exit code $code, expected 1"; cat "$work/stderr"; exit 1; }
grep -q "ASSERTION FAILED: /detection/recall = 0, expected >= 0.9" "$work/stderr" \
  || { echo "FAIL: the recall assertion was not reported"; cat "$work/stderr"; exit 1; }
echo "ok: a model that never fires fails the pilot (exit 1)"

# Without the libtorch plugin, a run with a model is an internal error (exit 3) that says what is
# missing, and it leaves no results behind.
set +e
TWINBENCH_TORCH_PLUGIN="$work/no-such-plugin.so" "$tb" run "$root/scenarios/compressor-pilot" --out "$work/no-plugin" --quiet \
  > "$work/stdout" 2> "$work/stderr"
code=$?
set -e
[ "$code" -eq 3 ] || { echo "FAIL: without the plugin: exit code $code, expected 3"; cat "$work/stderr"; exit 1; }
grep -q "edge AI needs the libtorch plugin, which did not load: $work/no-such-plugin.so" "$work/stderr" \
  || { echo "FAIL: the missing plugin was not named"; cat "$work/stderr"; exit 1; }
[ ! -e "$work/no-plugin" ] || { echo "FAIL: results were written without the plugin"; exit 1; }
echo "ok: a missing libtorch plugin is exit 3, named"
