#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh; diffusers not needed): is the host holding the GPU
# up? For bf16 and fp8 weights: per-iteration total/issue times, then a Kineto profile of one forward with its longest
# idle stretches (trace_summary.py --gaps).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
for v in bf16 fp8; do
  extra=""; [ "$v" = fp8 ] && extra="--fp8"
  # shellcheck disable=SC2086
  atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
    --iters 12 --profile "$O/$v" $extra | grep -E "RESULT|times_s|rror" | sed "s/^/$v /"
  for f in "$O/$v".*.json; do python3 "$C/packaging/bench/trace_summary.py" "$f" --top 0 --gaps 4; rm -f "$f"; done
done
