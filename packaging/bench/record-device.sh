#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with KEEP_TOKENIZERS=1 stage-transformer-bench.sh, diffusers archive carried): the
# figures of record. Rebuilds the kernels (BUILD=0 keeps the committed library) and checks them, the product path
# (doctor + fixture edit with / without the kernels), diffusers eager, Atelier bf16 (value projections into the joint
# tensor; then text-stream q/k/v fused; then with -Datelier.kernels.jointV=false), fp8 + fp8 matmul.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
nvidia-smi --query-gpu=name,power.limit,clocks.max.sm --format=csv,noheader
if [ "${BUILD:-1}" = 1 ]; then
  install_kernels || exit 1
  atelier 120 bench kernels --iters 20 | grep -E "linear_joint|qk_norm_rope/bf16|checks_failed|FAIL|rror"
fi
timeout 120 bash "$(dirname "${BASH_SOURCE[0]}")/kernels-e2e-device.sh" | grep -E "KERNELS|SMOKE|COMPARE|rror"
diffusers_forward 10
B="bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu --iters 15"
# shellcheck disable=SC2086
atelier 150 $B --fuse-qkv false,text | grep -E "RESULT|fused|rror"
# shellcheck disable=SC2086
JOPTS=-Datelier.kernels.jointV=false atelier 150 $B | grep -E "RESULT|rror" | sed 's/^/jointV=false /'
# shellcheck disable=SC2086
atelier 150 $B --fp8 | grep -E "RESULT|rror"
