#!/usr/bin/env bash
# A bad-input case: twinbench exits 2, prints exactly the expected message, and writes nothing.
# usage: bad-input.sh <twinbench> <case dir> <work dir>
# The case dir holds `args` (one argument per line; @DIR@ = the case dir), `expected` (stderr; @ANY@ matches
# any text) and,
# optionally, `setup` (a bash script run in the work dir first, e.g. to create files that must survive).
set -uo pipefail
tb=$1 case_dir=$(cd "$2" && pwd) work=$3
rm -rf "$work" && mkdir -p "$work"
[ -f "$case_dir/setup" ] && (cd "$work" && bash "$case_dir/setup")
# What the folder holds: every name, and the bytes of every regular file (a FIFO made by a case's setup is not read).
snapshot() { (cd "$work" && find . -path ./stdout -prune -o -path ./stderr -prune -o -type f -print0 | sort -z | xargs -0 -r md5sum; find . | sort); }
before=$(snapshot)
mapfile -t args < <(sed "s|@DIR@|$case_dir|g" "$case_dir/args")
(cd "$work" && "$tb" "${args[@]}" > stdout 2> stderr)
code=$?
[ "$code" -eq 2 ] || { echo "FAIL: exit code $code, expected 2"; cat "$work/stderr"; exit 1; }
expected=$(sed "s|@DIR@|$case_dir|g" "$case_dir/expected")
actual=$(cat "$work/stderr")
# @ANY@ in the expected text stands for what varies by machine (its memory, say).
python3 -c 'import re, sys; sys.exit(0 if re.fullmatch(".*".join(map(re.escape, sys.argv[2].split("@ANY@"))), sys.argv[1], re.S) else 1)' "$actual" "$expected" ||
  { printf 'FAIL: stderr\n  got:      %s\n  expected: %s\n' "$actual" "$expected"; exit 1; }
after=$(snapshot | grep -v -e '^\./stdout$' -e '^\./stderr$')
before=$(echo "$before" | grep -v -e '^\./stdout$' -e '^\./stderr$')
[ "$before" == "$after" ] || { echo "FAIL: bad input changed the working folder:"; diff <(echo "$before") <(echo "$after"); exit 1; }
[ ! -s "$work/stdout" ] || { echo "FAIL: bad input printed to stdout"; cat "$work/stdout"; exit 1; }
echo "ok: exit 2 with: $actual"
