#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh): rebuilds the kernels (ABI 2: tensor-wise fp8
# activations, fast accumulation), puts the build where Atelier's loader finds it, then
#   1. bench kernels: every kernel against its fallback; the fp8 matmul per scaling at the block's three GEMM shapes
#   2. the product path (doctor KERNELS=native, a fixture edit with and without the kernels)
#   3. the fp8 forward for each scaling (time, and distance to the dequantised bf16 matmul)
#   4. the bf16 forward and one true-CFG step batched vs two batch-1 forwards
#   5. diffusers' eager forward, same shapes (the baseline of this call); 4 and 5 only when diffusers/ was carried
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
nvidia-smi --query-gpu=name,power.limit,clocks.max.sm --format=csv,noheader
build_kernels || exit 1
cp "$KLIB" packaging/jni/lib/linux-x86_64/torch-2.11.0-cu130/libatelier_kernels.so
atelier 120 bench kernels --iters 20 | grep -E "RESULT|rror"
timeout 150 bash "$(dirname "${BASH_SOURCE[0]}")/kernels-e2e-device.sh"
atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --fp8 --fp8-scaling "${SCALINGS:-row,row+fast,tensor,tensor+fast}" --iters 10 | grep -E "RESULT|fp8|rror"
[ -d "$C/diffusers" ] || { echo "no diffusers staged: bf16 forward and baseline skipped"; exit 0; }
atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --iters 10 --cfg-pair 100 | grep -E "RESULT|cfg-pair|rror"
diffusers_forward 10
