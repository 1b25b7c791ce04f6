#!/usr/bin/env bash
# Atelier GPU check, run ON THE GPU MACHINE from the checkout root after
#   STAGE_DIR=$PWD/.carry/jvm <shared>/device/stage.sh inference     (jars + JRE)
#   DJL_GIT=... packaging/jni/pack-djl-src.sh                        (DJL sources, for the rebuild)
# and carry [".carry/jvm"]. Writes into ${OUT:-/tmp/atelier-gpu-check}.
#   1. atelier doctor --gpu --smoke through Atelier's own loader (TorchRuntime; no DJL env variables set):
#      NVML devices and memory, the shipped patched JNI, bf16 arrays on the GPU
#   2. rebuilds the JNI with packaging/jni/build-jni.sh twice, with the patch and without (PATCH=none)
#   3. doctor with the fresh stock build: must report bf16=false and run fp16 without touching bf16
#   4. doctor with the fresh patched build; 5. doctor via run-on-device.sh (PYTORCH_LIBRARY_PATH from the env)
#   6. atelier plan with the NVML default budget
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=${OUT:-/tmp/atelier-gpu-check}
mkdir -p "$OUT"
CARRY=${CARRY:-$HERE/../../.carry/jvm}     # the staging folder (override when it lives elsewhere)
bash $CARRY/run-on-device.sh -version 2>&1 | tail -1            # unpacks the JRE once
JAVA=${DJL_DEVICE_WORK:-/tmp/djl-device}/jre/bin/java
# atelier [VAR=value ...] -- ARGS: the CLI through Atelier's own loader (DJL's variables unset, so TorchRuntime decides)
atelier() {
  local vars=()
  while [ "$1" != "--" ]; do vars+=("$1"); shift; done; shift
  env -u PYTORCH_LIBRARY_PATH -u PYTORCH_VERSION -u PYTORCH_FLAVOR "${vars[@]}" \
    "$JAVA" --enable-native-access=ALL-UNNAMED -cp "$CARRY/lib/*" dev.atelier.inference.cli.AtelierCli "$@"
}
nvidia-smi --query-gpu=name,memory.total,memory.used,compute_cap --format=csv 2>&1 | tee "$OUT/nvidia-smi.txt"

echo "=== 1. doctor --gpu --smoke (shipped JNI, Atelier's loader)"
atelier -- doctor --gpu --smoke 2>&1 | tee "$OUT/1-doctor-shipped.txt"; echo "exit ${PIPESTATUS[0]}"

echo "=== 2. rebuild the JNI (patched and stock) with packaging/jni/build-jni.sh"
src=$(ls $CARRY/djl-src-*.tar.gz | head -1)
( BUILD_DIR=/tmp/djl-jni-build JOBS=8 bash "$HERE/build-jni.sh" "$src" /tmp/jni-out-patched > "$OUT/build-patched.log" 2>&1; echo "patched build exit $?" ) &
( PATCH=none BUILD_DIR=/tmp/jni-b2 JOBS=8 bash "$HERE/build-jni.sh" "$src" /tmp/jni-out-stock > "$OUT/build-stock.log" 2>&1; echo "stock build exit $?" ) &
wait
tail -3 "$OUT/build-patched.log"; tail -3 "$OUT/build-stock.log"
sha256sum "$HERE"/lib/linux-x86_64/torch-2.11.0-cu130/libdjl_torch.so /tmp/jni-out-*/libdjl_torch.so
for v in stock patched; do
  d=/tmp/jni-$v/linux-x86_64/torch-2.11.0-cu130; mkdir -p "$d"; cp /tmp/jni-out-$v/libdjl_torch.so* "$d"/
done

echo "=== 3. doctor with the freshly built STOCK JNI (must not touch bf16)"
atelier ATELIER_JNI_DIR=/tmp/jni-stock ATELIER_WORK_DIR=/tmp/aw-stock -- doctor --gpu --smoke 2>&1 | tee "$OUT/3-doctor-stock.txt"; echo "exit ${PIPESTATUS[0]}"

echo "=== 4. doctor with the freshly built PATCHED JNI"
atelier ATELIER_JNI_DIR=/tmp/jni-patched ATELIER_WORK_DIR=/tmp/aw-patched -- doctor --gpu --smoke 2>&1 | tee "$OUT/4-doctor-patched.txt"; echo "exit ${PIPESTATUS[0]}"

echo "=== 5. doctor through run-on-device.sh (PYTORCH_LIBRARY_PATH set by the environment)"
bash $CARRY/run-on-device.sh -cp "$CARRY/lib/*" dev.atelier.inference.cli.AtelierCli doctor --gpu 2>&1 | tee "$OUT/5-doctor-env.txt"; echo "exit ${PIPESTATUS[0]}"

echo "=== 6. plan with the NVML default budget"
atelier -- plan --reference 2>&1 | tee "$OUT/6-plan.txt"
atelier -- plan --reference --fp8 --budget 12GiB 2>&1 | tee -a "$OUT/6-plan.txt"
