#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with KEEP_TOKENIZERS=1 stage-transformer-bench.sh, diffusers archive carried): the
# figures of record with the committed kernels library. The product path (doctor + fixture edit with / without the
# kernels), diffusers eager, Atelier bf16 with three q/k/v GEMMs and fused (the GPU default), fp8 + fp8 matmul.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
nvidia-smi --query-gpu=name,power.limit,clocks.max.sm --format=csv,noheader
timeout 120 bash "$(dirname "${BASH_SOURCE[0]}")/kernels-e2e-device.sh"
diffusers_forward 10
atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --iters 15 --fuse-qkv false,true | grep -E "RESULT|fused|rror"
atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --iters 15 --fp8 | grep -E "RESULT|rror"
diffusers_forward 10
