#!/usr/bin/env bash
# ON THE DEVICE, one call: rebuild libatelier_kernels.so (with the profiler entry points), time + profile the Java
# transformer forward (bf16, or fp8 with FP8=1) while nvidia-smi logs clocks/power, summarise the trace.
# BUILD=0 profiles with the committed library; GAPS=N also lists the N longest GPU idle stretches.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
if [ "${BUILD:-1}" = 1 ]; then build_kernels || exit 1; fi
nvidia-smi dmon -s pc -d 1 > "$O/dmon.log" 2>&1 &
DMON=$!
extra=""; [ "${FP8:-0}" = 1 ] && extra="--fp8"
# shellcheck disable=SC2086
atelier 200 bench transformer --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --kernels ${KMODES:-native,ops} --iters ${ITERS:-20} --profile "$O/fwd" $extra | grep -E "RESULT|times_s|profile|rror"
kill $DMON 2>/dev/null
for f in "$O"/fwd.*.json; do python3 "$C/packaging/bench/trace_summary.py" "$f" --top ${TOP:-30} --gaps ${GAPS:-0}; rm -f "$f"; done
echo "dmon (pwr W, gtemp, sm MHz, mem MHz):"; awk 'NR<=2 || NR%2==0' "$O/dmon.log" | head -60
