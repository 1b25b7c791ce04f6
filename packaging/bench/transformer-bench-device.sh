#!/usr/bin/env bash
# ON THE DEVICE, one call: regenerate + check the ops file with torch 2.11, time the Java transformer forward
# (each qk_norm_rope variant; then with TorchScript's optimiser on), then diffusers on the same card.
# Stage with stage-transformer-bench.sh first. Prints RESULT lines; the ops file comes back in $OUT.
set -uo pipefail
C=${CARRY:-.carry/transformer}
O=${OUT:-/tmp/atelier-out}
mkdir -p "$O"
export PATH=/opt/torch/.venv/bin:$PATH
SIZE=${SIZE:-1024} REFS=${REFS:-1} TXT=${TXT:-300} CONFIG=${CONFIG:-real-edit-2511}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
python3 "$C/packaging/ops/make_ops.py" "$O/atelier-ops-v1.pt" --bench 2>&1 | grep -E "using|variant|saved|BENCHOP|FAIL"
java_bench() {  # JVM flags: $JOPTS
  # shellcheck disable=SC2086
  bash "$C/jvm/run-on-device.sh" ${JOPTS:-} -cp "$C/jvm/lib/*" dev.atelier.inference.cli.AtelierCli bench transformer \
    --config "$CONFIG" --random-weights --size "$SIZE" --refs "$REFS" --txt "$TXT" --device gpu \
    --ops "$O/atelier-ops-v1.pt" "$@" 2>&1 | grep -v -e '^WARNING' -e '^\s*at ' | tail -12
}
java_bench --rope qk_norm_rope,qk_norm_rope_fast,qk_norm_rope_ew
JOPTS=-Datelier.ops.optimize=true java_bench --rope qk_norm_rope_fast,qk_norm_rope_ew
PYTHONPATH=$C/diffusers/src python3 "$C/packaging/bench/diffusers_transformer_bench.py" \
  --config "$C/configs/$CONFIG.json" --size "$SIZE" --refs "$REFS" --txt "$TXT" --iters 10 2>&1 | grep RESULT
