#!/usr/bin/env bash
# `twinbench train` on a shipped spec reproduces the shipped package byte for byte (weights and
# manifest): the package in models/ is what the spec and its seed make, on this machine and in CI.
# usage: train-reproduces.sh <twinbench> <repo root> <work dir> <model>   (models/training/<model>.json -> models/<model>)
set -euo pipefail
tb=$1 root=$2 work=$3 model=$4
rm -rf "$work" && mkdir -p "$work"
"$tb" train "$root/models/training/$model.json" --out "$work/$model" --quiet
for f in model.pt manifest.json; do
  cmp "$work/$model/$f" "$root/models/$model/$f" || { echo "FAIL: $model/$f differs from the shipped package"; exit 1; }
done
echo "ok: the shipped package $model is reproduced byte for byte"
