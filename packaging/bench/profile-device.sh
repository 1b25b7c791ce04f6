#!/usr/bin/env bash
# ON THE DEVICE, one call: rebuild libatelier_kernels.so (with the profiler entry points), time + profile the Java
# transformer forward with native kernels while nvidia-smi logs clocks/power, summarise the trace.
set -uo pipefail
C=${CARRY:-.carry/transformer}
O=${OUT:-/tmp/atelier-out}
mkdir -p "$O"
export PATH=/opt/torch/.venv/bin:$PATH
JNI_INCLUDE=$C/jni-include bash "$C/packaging/kernels/build-kernels.sh" "$O/kernels" > "$O/kernels-build.log" 2>&1 \
  || { grep -E "error" "$O/kernels-build.log" | head -30; exit 1; }
grep -E "note|profiler|torch=" "$O/kernels-build.log" | head -8
KLIB=$O/kernels/libatelier_kernels.so
nvidia-smi dmon -s pc -d 1 > "$O/dmon.log" 2>&1 &
DMON=$!
# shellcheck disable=SC2086
bash "$C/jvm/run-on-device.sh" ${JOPTS:-} -Datelier.kernels.library="$KLIB" -cp "$C/jvm/lib/*" \
  dev.atelier.inference.cli.AtelierCli bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 \
  --txt 300 --device gpu --kernels ${KMODES:-native,ops} --iters ${ITERS:-20} --profile "$O/fwd" 2>&1 \
  | grep -E "RESULT|times_s|profile|rror" 
kill $DMON 2>/dev/null
for f in "$O"/fwd.*.json; do python3 "$C/packaging/bench/trace_summary.py" "$f" --top ${TOP:-30}; gzip -f "$f"; done
echo "dmon (pwr W, gtemp, sm MHz, mem MHz):"; awk 'NR<=2 || NR%2==0' "$O/dmon.log" | head -60
