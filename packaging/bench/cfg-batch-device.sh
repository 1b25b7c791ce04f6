#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh): what session 2 changed after its device time ran out.
#   1. the product path through Atelier's own loader: doctor says KERNELS=native; a fixture edit on the GPU with the
#      kernels and with -Datelier.kernels=off, compared pixel by pixel (kernels-e2e-device.sh)
#   2. one true-CFG step, batched (per-sample attention over the valid keys) vs two batch-1 forwards, with its check
#   3. the presets with the batch-2 forward the pipelines run, unconstrained and at 12 GiB
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
timeout 150 bash "$(dirname "${BASH_SOURCE[0]}")/kernels-e2e-device.sh"
atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --kernels native --iters 10 --cfg-pair 100 | grep -E "RESULT|cfg-pair|rror"
atelier 330 bench preset quick-preview,draft,final --budget-gib "${BUDGETS:-none,12}" --random-weights --size 1024 \
  --refs 1 --device gpu --forwards 3 --warmup 1 --lora-mib 0 | grep -E "^RESULT (preset|stage transformer)|rror|Exception"
