#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh; diffusers not needed): where the Java host time of a
# forward goes. Runs the fp8 and bf16 forwards under Java Flight Recorder; the recordings come back in $OUT
# (read them here with `jfr print --events jdk.ExecutionSample`, or packaging/bench/jfr_top.py).
set -uo pipefail
C=${CARRY:-.carry/transformer}
O=${OUT:-/tmp/atelier-out}
mkdir -p "$O"
export PATH=/opt/torch/.venv/bin:$PATH
KLIB=${KLIB:-packaging/jni/lib/linux-x86_64/torch-2.11.0-cu130/libatelier_kernels.so}
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
for v in fp8 bf16; do
  extra=""; [ "$v" = fp8 ] && extra="--fp8"
  # shellcheck disable=SC2086
  timeout 150 bash "$C/jvm/run-on-device.sh" -XX:StartFlightRecording=filename="$O/$v.jfr",settings=profile \
    -Datelier.kernels.library="$KLIB" -cp "$C/jvm/lib/*" dev.atelier.inference.cli.AtelierCli bench transformer \
    --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu --kernels native $extra \
    --iters 30 2>&1 | grep -E "RESULT|times_s|rror" | sed "s/^/$v /"
done
ls -la "$O"
