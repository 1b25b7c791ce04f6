#!/usr/bin/env bash
# ON THE DEVICE, one call: build libatelier_kernels.so against the device's torch, check + time each kernel against
# its ops-file fallback (atelier bench kernels), time the Java transformer forward with the ops file only and with
# the native kernels, then diffusers on the same card. Stage with stage-transformer-bench.sh first.
# The library and its provenance come back in $OUT/kernels.
set -uo pipefail
C=${CARRY:-.carry/transformer}
O=${OUT:-/tmp/atelier-out}
mkdir -p "$O"
export PATH=/opt/torch/.venv/bin:$PATH
SIZE=${SIZE:-1024} REFS=${REFS:-1} TXT=${TXT:-300} CONFIG=${CONFIG:-real-edit-2511}
nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv,noheader
JNI_INCLUDE=$C/jni-include bash "$C/packaging/kernels/build-kernels.sh" "$O/kernels" > "$O/kernels-build.log" 2>&1
rc=$?
tail -5 "$O/kernels-build.log"
if [ $rc -ne 0 ]; then grep -E "error|Error" "$O/kernels-build.log" | head -40; exit 1; fi
KLIB=$O/kernels/libatelier_kernels.so
atelier() {  # JVM flags: $JOPTS
  # shellcheck disable=SC2086
  bash "$C/jvm/run-on-device.sh" ${JOPTS:-} -Datelier.kernels.library="$KLIB" -cp "$C/jvm/lib/*" \
    dev.atelier.inference.cli.AtelierCli "$@" 2>&1 | grep -v -e '^WARNING' -e '^\s*at '
}
atelier bench kernels | tail -25
atelier bench transformer --config "$CONFIG" --random-weights --size "$SIZE" --refs "$REFS" --txt "$TXT" --device gpu \
  --kernels ops,native,ops,native --iters "${ITERS:-10}" | tail -8
PYTHONPATH=$C/diffusers/src python3 "$C/packaging/bench/diffusers_transformer_bench.py" \
  --config "$C/configs/$CONFIG.json" --size "$SIZE" --refs "$REFS" --txt "$TXT" --iters 10 2>&1 | grep RESULT
