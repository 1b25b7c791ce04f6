#!/usr/bin/env bash
# ON THE DEVICE, one call: build libatelier_kernels.so against the device's torch, check + time each kernel against
# its ops-file fallback (atelier bench kernels), time the Java transformer forward with the ops file only and with
# the native kernels, then diffusers on the same card. Stage with stage-transformer-bench.sh first.
# The library and its provenance come back in $OUT/kernels.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
build_kernels || exit 1
atelier 120 bench kernels | grep -E "RESULT|kernels:"
atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --kernels ops,native,ops,native --iters "${ITERS:-10}" | grep -E "RESULT|rror"
diffusers_forward
