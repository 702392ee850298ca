#!/usr/bin/env bash
# `twinbench train` on the shipped spec reproduces the shipped package byte for byte (weights and
# manifest): the package in models/ is what the spec and its seed make, on this machine and in CI.
# usage: train-reproduces.sh <twinbench> <repo root> <work dir>
set -euo pipefail
tb=$1 root=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
"$tb" train "$root/models/training/compressor-ae.json" --out "$work/compressor-ae" --quiet
for f in model.pt manifest.json; do
  cmp "$work/compressor-ae/$f" "$root/models/compressor-ae/$f" || { echo "FAIL: $f differs from the shipped package"; exit 1; }
done
echo "ok: the shipped package is reproduced byte for byte"
