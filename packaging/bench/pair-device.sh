#!/usr/bin/env bash
# ON THE DEVICE, one call: diffusers eager and Atelier (native kernels; bf16, then fp8 weights with the fp8 matmul)
# forward of a 1024² edit + 1 reference, back to back on the same card.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
diffusers_forward 20
for extra in "" "--fp8"; do
  # shellcheck disable=SC2086
  atelier 100 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
    --iters 20 --kernels native $extra | grep -E "^RESULT" | sed "s/RESULT /RESULT ${extra:-bf16} /"
done
