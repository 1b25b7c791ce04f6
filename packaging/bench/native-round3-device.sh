#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh): rebuild libatelier_kernels.so, check the kernels,
# the fp8 forward (profiled) and bf16 forward, diffusers' forward as baseline, then the presets at every budget.
set -uo pipefail
C=${CARRY:-.carry/transformer}
O=${OUT:-/tmp/atelier-out}
mkdir -p "$O"
export PATH=/opt/torch/.venv/bin:$PATH
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
SECONDS=0
JNI_INCLUDE=$C/jni-include bash "$C/packaging/kernels/build-kernels.sh" "$O/kernels" > "$O/kernels-build.log" 2>&1 \
  || { grep -E "error" "$O/kernels-build.log" | head -30; exit 1; }
KLIB=$O/kernels/libatelier_kernels.so
atelier() {
  # shellcheck disable=SC2086
  timeout "$1" bash "$C/jvm/run-on-device.sh" ${JOPTS:-} -Datelier.kernels.library="$KLIB" -cp "$C/jvm/lib/*" \
    dev.atelier.inference.cli.AtelierCli "${@:2}" 2>&1 | grep -v -e '^WARNING' -e '^\s*at '
}
atelier 90 bench kernels | grep -E "RESULT|kernels:"
T="bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu --iters 12"
# shellcheck disable=SC2086
atelier 120 $T --kernels native --fp8 --profile "$O/fp8" | grep -E "RESULT|fp8 weights|profile|rror"
for f in "$O"/fp8.*.json; do python3 "$C/packaging/bench/trace_summary.py" "$f" --top 12; done
rm -f "$O"/fp8.*.json
# shellcheck disable=SC2086
atelier 90 $T --kernels native | grep -E "RESULT"
PYTHONPATH=$C/diffusers/src timeout 120 python3 "$C/packaging/bench/diffusers_transformer_bench.py" \
  --config "$C/configs/real-edit-2511.json" --size 1024 --refs 1 --txt 300 --iters 10 2>&1 | grep RESULT
echo "forwards done at ${SECONDS}s"
atelier 340 bench preset quick-preview,draft,final --budget-gib ${BUDGETS:-none,24,16,12} --random-weights \
  --size 1024 --refs 1 --device gpu --forwards 3 --warmup 1 --lora-mib 0 | grep -E "^RESULT (preset|stage (transformer|streaming))|rror|Exception" | head -40
echo "presets done at ${SECONDS}s"
