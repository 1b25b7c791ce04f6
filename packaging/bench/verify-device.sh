#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh, diffusers carried): rebuilds + checks the kernels;
# diffusers' eager forward (this call's baseline); Atelier bf16 with three q/k/v GEMMs and with one fused GEMM per
# stream; then the batched-CFG presets inside 12 and 16 GiB with the recalibrated activation model (peak under budget).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
nvidia-smi --query-gpu=name,power.limit,clocks.max.sm --format=csv,noheader
build_kernels || exit 1
atelier 120 bench kernels --iters 10 | grep -E "fp8|checks_failed|FAIL|rror"
diffusers_forward 10
atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --fuse-qkv false,true --iters 15 | grep -E "RESULT|fused|rror"
atelier 300 bench preset "${PRESETS:-quick-preview,draft:fp8}" --budget-gib "${BUDGETS:-12,16}" \
  --random-weights --size 1024 --refs 1 --device gpu --forwards 3 --warmup 1 --lora-mib 0 --skip-te \
  | grep -E "^RESULT (preset|stage transformer)|rror|Exception"
