#!/usr/bin/env bash
# The shipped DTDL models check clean: exit 0 and the summary line, both (a match of the line alone would
# pass a run that printed it and failed). And a model with an error fails: exit 2, named.
# usage: twins-check.sh <twinbench> <models dir>
set -uo pipefail
tb=$1 models=$2
out=$("$tb" twins check "$models" 2>&1)
code=$?
[ "$code" -eq 0 ] || { echo "FAIL: exit $code: $out"; exit 1; }
[[ "$out" =~ ^ok:\ 8\ interface\(s\),\ [0-9]+\ content\ element\(s\)\ with\ inherited\ ones,\ no\ errors$ ]] || { echo "FAIL: $out"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '%s\n' '{"@context": "dtmi:dtdl:context;3", "@id": "dtmi:test:Broken;1", "@type": "Interface",' \
  '"contents": [{"@type": "Telemetry", "name": "t", "schema": "nosuchschema"}]}' > "$work/broken.json"
bad=$("$tb" twins check "$work/broken.json" 2>&1)
code=$?
[ "$code" -eq 2 ] || { echo "FAIL: a broken model exited $code: $bad"; exit 1; }
[[ "$bad" == *"broken.json"* ]] || { echo "FAIL: the error does not name the file: $bad"; exit 1; }
echo "ok: $out; a broken model: exit 2"
