#!/usr/bin/env bash
# One run over MPI ranks (twinbench run --shards under Debian's Open MPI) writes the same bytes as one
# process: every result file but run.json (wall time, memory) compared byte for byte, for each scenario
# given, with the number of ranks given; run.json says how many ranks ran. A scenario the ranks cannot share
# (a lifecycle) and more ranks than gateways are refused with exit 2, once, and nothing written.
# usage: shards.sh <twinbench> <work dir> <ranks> <scenario>...
set -uo pipefail
tb=$(realpath "$1") work=$2 ranks=$3
shift 3
command -v mpirun > /dev/null || { echo "SKIP: no mpirun (scripts/install-deps installs openmpi-bin)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
# Root may run MPI jobs here (CI runs as root); more ranks than cores is fine for a test.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_rmaps_base_oversubscribe=1
mpi() { mpirun -n "$1" "${@:2}"; }
fail=0
for scenario in "$@"; do
  name=$(basename "$scenario")
  "$tb" run "$scenario" --out "$work/$name-one" --quiet > "$work/$name-one.out" 2>&1 || { echo "FAIL: $name in one process: $(tail -3 "$work/$name-one.out")"; exit 1; }
  mpi "$ranks" "$tb" run "$scenario" --shards --out "$work/$name-shards" --quiet > "$work/$name-shards.out" 2>&1 ||
    { echo "FAIL: $name on $ranks ranks exited $?: $(tail -5 "$work/$name-shards.out")"; exit 1; }
  for f in $(cd "$work/$name-one" && ls); do
    [ "$f" = run.json ] && continue
    cmp -s "$work/$name-one/$f" "$work/$name-shards/$f" || { echo "FAIL: $name: $f differs between one process and $ranks ranks"; diff "$work/$name-one/$f" "$work/$name-shards/$f" | head -5; fail=1; }
  done
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r.get('shards') == int(sys.argv[2]) else 1)" "$work/$name-shards/run.json" "$ranks" ||
    { echo "FAIL: $name: run.json does not say $ranks shards"; fail=1; }
  echo "ok: $name, $ranks ranks: $(cd "$work/$name-one" && ls | grep -vc run.json) result files the same as one process's ($(grep 'trace hash' "$work/$name-one.out" | awk '{print $3}'))"
done
# Refused: a lifecycle's fleet-wide decisions, and more ranks than gateways; said once, nothing written.
src=$(cd "$(dirname "$0")/../.." && pwd)
check_refused() {  # <what> <expected text> <ranks> <scenario>
  mpi "$3" "$tb" run "$4" --shards --out "$work/refused" > "$work/refused.out" 2>&1
  local rc=$?
  [ $rc -eq 2 ] || { echo "FAIL: $1: exit $rc, expected 2"; fail=1; }
  [ "$(grep -c "$2" "$work/refused.out")" -eq 1 ] || { echo "FAIL: $1: not said once: $(cat "$work/refused.out")"; fail=1; }
  [ ! -e "$work/refused" ] || { echo "FAIL: $1: something was written"; fail=1; }
}
check_refused "a lifecycle" "drift-retrain cannot run in shards: its lifecycle" 2 "$src/scenarios/drift-retrain"
check_refused "too many ranks" "3 ranks for 2 gateways: at most one rank per gateway" 3 "$src/scenarios/compressor-pilot"
exit $fail
