#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh, diffusers included): the figures of record.
# Transformer forward (1024² edit + 1 ref): bf16 with the ops file only / with Atelier's kernels, fp8 with the fp8
# matmul / dequantised, diffusers eager on the same card; then the presets unconstrained and at 12 GiB.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
nvidia-smi --query-gpu=name,driver_version,memory.total,power.limit --format=csv,noheader
T="bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu --iters 20"
# shellcheck disable=SC2086
atelier 120 $T --kernels ops,native | grep -E "^RESULT"
# shellcheck disable=SC2086
atelier 120 $T --kernels native --fp8 | grep -E "^RESULT" | sed 's/RESULT atelier-/RESULT atelier-fp8mm-/'
# shellcheck disable=SC2086
JOPTS=-Datelier.fp8.mm=false atelier 120 $T --kernels native --fp8 | grep -E "^RESULT" \
  | sed 's/RESULT atelier-/RESULT atelier-fp8dequant-/'
diffusers_forward 20
atelier 330 bench preset quick-preview,draft,final --budget-gib "${BUDGETS:-none,12}" --random-weights \
  --size 1024 --refs 1 --device gpu --forwards 3 --warmup 1 --lora-mib 0 \
  | grep -E "^RESULT (preset|stage (transformer|streaming|vae|text))|rror|Exception" | head -40
