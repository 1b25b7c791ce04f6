#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with KEEP_TOKENIZERS=1 stage-transformer-bench.sh, diffusers archive carried): the
# figures of record for session 3. Rebuilds the kernels (one-pass qk-norm + RoPE), checks every kernel, the product
# path (doctor + fixture edit with / without kernels), then diffusers eager and Atelier bf16 / fp8 in the same call,
# and a Kineto profile of one bf16 forward (summarised here; the trace itself is deleted). Without the diffusers
# archive the baseline is skipped; without the tokenizers jar the fixture edit fails (the rest still runs).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
nvidia-smi --query-gpu=name,power.limit,clocks.max.sm --format=csv,noheader
build_kernels || exit 1
cp "$KLIB" packaging/jni/lib/linux-x86_64/torch-2.11.0-cu130/libatelier_kernels.so
atelier 120 bench kernels --iters 20 | grep -E "RESULT|rror"
timeout 120 bash "$(dirname "${BASH_SOURCE[0]}")/kernels-e2e-device.sh"
diffusers_forward 10
atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --iters 15 --profile "$O/fwd" | grep -E "RESULT|profile|rror"
# SCALINGS=row,row+fast,tensor,tensor+fast compares the fp8 matmul's activation scalings (default: the product's)
atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --fp8 ${SCALINGS:+--fp8-scaling "$SCALINGS"} --iters 15 | grep -E "RESULT|fp8 matmul|rror"
for f in "$O"/fwd.*.json; do python3 "$C/packaging/bench/trace_summary.py" "$f" --top 16; rm -f "$f"; done
