#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-transformer-bench.sh): the product path, through Atelier's own loader
# (no DJL variables): doctor must say KERNELS=native; then an edit with the tiny fixture model on the GPU with the
# kernels and with -Datelier.kernels=off, compared pixel by pixel. Images come back in $OUT.
set -uo pipefail
C=${CARRY:-.carry/transformer}
O=${OUT:-/tmp/atelier-out}
mkdir -p "$O"
bash "$C/jvm/run-on-device.sh" -version 2>&1 | tail -1
JAVA=${DJL_DEVICE_WORK:-/tmp/djl-device}/jre/bin/java
atelier() {
  env -u PYTORCH_LIBRARY_PATH -u PYTORCH_VERSION -u PYTORCH_FLAVOR \
    "$JAVA" --enable-native-access=ALL-UNNAMED ${JOPTS:-} -cp "$C/jvm/lib/*" dev.atelier.inference.cli.AtelierCli "$@" 2>&1 \
    | grep -v -e '^WARNING' -e '^\s*at '
}
atelier doctor --gpu --smoke | grep -E "KERNELS|SMOKE kernels|BF16_SAFE|runtime \(loaded\)|rror"
M=inference/src/test/resources/fixtures/qwen-tiny/qwen-image-edit-2511-tiny
E="edit --model $M --image docs/studio.png --prompt 'make the sky red' --steps 4 --cfg 2.5 --seed 7 --device gpu --size 512x320"
eval atelier $E --out "$O/native.png" | tail -3
JOPTS=-Datelier.kernels=off eval atelier $E --out "$O/ops.png" | tail -3
atelier compare-images "$O/native.png" "$O/ops.png" | tail -3
