#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh, diffusers/ carried): the presets with the batch-2 CFG
# forward the pipelines run, after diffusers' eager forward (this call's baseline; its derived preset figures are
# TE + VAE + steps × CFG forwards × forward, as the issue's table). PRESETS, BUDGETS (e.g. 12,16), SKIP_TE=1 narrow it.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
nvidia-smi --query-gpu=name,power.limit,clocks.max.sm --format=csv,noheader
diffusers_forward 10
atelier "${LIMIT_S:-420}" bench preset "${PRESETS:-quick-preview,draft,draft:fp8,final}" --budget-gib "${BUDGETS:-none,12}" \
  --random-weights --size 1024 --refs 1 --device gpu --forwards 3 --warmup 1 --lora-mib 0 ${SKIP_TE:+--skip-te} \
  | grep -E "^RESULT (preset|stage)|rror|Exception"
