#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh; diffusers not needed): is the host holding the GPU
# up? The bf16 forward's per-iteration total/issue times, then a Kineto profile of one forward with its longest idle
# stretches (trace_summary.py --gaps) and the host-side CPU ops around them.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --iters 12 --profile "$O/fwd" ${EXTRA:-} | grep -E "RESULT|times_s|profile|rror"
for f in "$O"/fwd.*.json; do python3 "$C/packaging/bench/trace_summary.py" "$f" --top 6 --gaps 12; rm -f "$f"; done
