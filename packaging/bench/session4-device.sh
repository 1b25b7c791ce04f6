#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with KEEP_TOKENIZERS=1 stage-transformer-bench.sh, diffusers archive carried): the
# kernels of ABI 4 against those of ABI 3 in the same call. Rebuilds the kernels, checks each against the ops file
# (bench kernels) and times them with ATELIER_KERNELS_LEGACY=1 (the ABI-3 kernels, same library), runs the product
# path (doctor --smoke + fixture edit), then the bf16 forward alternating new / legacy, diffusers eager before and
# after. LEGACY_ONLY_KERNELS=1 skips the forwards.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
nvidia-smi --query-gpu=name,power.limit,clocks.max.sm --format=csv,noheader
install_kernels || exit 1
K="bench kernels --iters ${KITERS:-30}"
# shellcheck disable=SC2086
atelier 120 $K | grep -E "RESULT|kernels:|rror" | grep -v -E "fp8|gelu|linear_joint"
# shellcheck disable=SC2086
ATELIER_KERNELS_LEGACY=1 atelier 120 $K | grep -E "norm_mod|qk_norm|gated_add|rror" | sed 's/^/legacy /'
timeout 120 bash "$(dirname "${BASH_SOURCE[0]}")/kernels-e2e-device.sh" | grep -E "KERNELS|SMOKE|COMPARE|rror"
[ "${LEGACY_ONLY_KERNELS:-0}" = 1 ] && exit 0
diffusers_forward 10
B="bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu --iters ${ITERS:-15}"
for round in 1 2; do
  # shellcheck disable=SC2086
  atelier 150 $B | grep -E "RESULT|rror" | sed "s/^/new$round /"
  # shellcheck disable=SC2086
  ATELIER_KERNELS_LEGACY=1 JOPTS=-Datelier.kernels.residualNorm=false atelier 150 $B | grep -E "RESULT|rror" \
    | sed "s/^/abi3-$round /"
done
# shellcheck disable=SC2086
JOPTS=-Datelier.kernels.residualNorm=false atelier 150 $B | grep -E "RESULT|rror" | sed "s/^/new-unfused /"
diffusers_forward 10
