#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh; diffusers not needed): where the Java host time of a
# forward goes. Runs the fp8 and bf16 forwards under Java Flight Recorder; the recordings come back in $OUT (read them
# here with `jfr print --events jdk.ExecutionSample` / `jdk.NativeMethodSample`).
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
for v in fp8 bf16; do
  extra=""; [ "$v" = fp8 ] && extra="--fp8"
  # shellcheck disable=SC2086
  JOPTS="-XX:StartFlightRecording=filename=$O/$v.jfr,settings=profile" atelier 150 bench transformer \
    --config real-edit-2511 --random-weights --size 1024 --refs 1 --txt 300 --device gpu --kernels native $extra \
    --iters 30 | grep -E "RESULT|times_s|rror" | sed "s/^/$v /"
done
ls -la "$O"
