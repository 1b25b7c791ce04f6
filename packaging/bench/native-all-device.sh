#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh, diffusers included): kernel checks, the
# transformer forward (ops file vs native kernels, profiled), the presets with the product defaults at two budgets,
# and diffusers' forward on the same card as the baseline. Uses the committed libatelier_kernels.so unless KLIB is set.
set -uo pipefail
C=${CARRY:-.carry/transformer}
O=${OUT:-/tmp/atelier-out}
mkdir -p "$O"
export PATH=/opt/torch/.venv/bin:$PATH
KLIB=${KLIB:-packaging/jni/lib/linux-x86_64/torch-2.11.0-cu130/libatelier_kernels.so}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
SECONDS=0
atelier() {
  timeout "$1" bash "$C/jvm/run-on-device.sh" -Datelier.kernels.library="$KLIB" -cp "$C/jvm/lib/*" \
    dev.atelier.inference.cli.AtelierCli "${@:2}" 2>&1 | grep -v -e '^WARNING' -e '^\s*at '
}
atelier 90 bench kernels | grep -E "RESULT|kernels:"
echo "kernels done at ${SECONDS}s"
atelier 150 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --kernels ops,native --fuse-qkv false,true --iters 12 --profile "$O/fwd" | grep -E "RESULT|times_s|profile|rror"
for f in "$O"/fwd.*.json; do python3 "$C/packaging/bench/trace_summary.py" "$f" --top 14; done
rm -f "$O"/fwd.*.json
echo "transformer done at ${SECONDS}s"
PYTHONPATH=$C/diffusers/src timeout 120 python3 "$C/packaging/bench/diffusers_transformer_bench.py" \
  --config "$C/configs/real-edit-2511.json" --size 1024 --refs 1 --txt 300 --iters 10 2>&1 | grep RESULT
echo "diffusers done at ${SECONDS}s"
atelier 330 bench preset ${PRESETS:-quick-preview,draft,final} --budget-gib ${BUDGETS:-none,12} --random-weights \
  --size 1024 --refs 1 --device gpu --forwards 3 --warmup 1 --fp8-mm | grep -E "^(RESULT|plan)|rror|Exception|Caused" | head -60
echo "preset done at ${SECONDS}s"
