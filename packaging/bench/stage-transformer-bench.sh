#!/usr/bin/env bash
# HERE: stages everything `transformer-bench-device.sh` needs into <main checkout>/.carry/transformer (git-ignored;
# the device runs in the main checkout, so the staging folder must be under it):
#   packaging/  (make_ops.py, the bench scripts)   configs/  (real-*.json)
#   diffusers.tar.xz  (git archive of DIFFUSERS_GIT at the fixture commit, pipelines/ trimmed; unpacked on the device)
#   jvm/  (shared/device/stage.sh: JRE + jars + DJL JNI for torch 2.11; tokenizers jar dropped, ~28 MB)
# usage: DIFFUSERS_GIT=<fetched huggingface/diffusers git dir> packaging/bench/stage-transformer-bench.sh [MAIN_CHECKOUT]
# then:  run(command="bash .carry/transformer/packaging/bench/transformer-bench-device.sh", carry=[".carry/transformer"])
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAIN=${1:-$(git -C "$ROOT" worktree list | head -1 | cut -d' ' -f1)}
S=$MAIN/.carry/transformer
COMMIT=58eb52c0803ea9af3abec60841c2a093bdf1f951
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
git -C "$MAIN" check-ignore -q .carry/transformer/x || { echo "$MAIN/.carry is not git-ignored"; exit 1; }
mkdir -p "$S/configs"
rm -rf "$S/packaging" && mkdir -p "$S/packaging" && cp -r "$ROOT/packaging/ops" "$ROOT/packaging/bench" "$ROOT/packaging/kernels" "$S/packaging/"
# jni.h for build-kernels.sh (the device has no JDK)
rm -rf "$S/jni-include" && mkdir -p "$S/jni-include/linux" && cp "$JAVA_HOME/include/jni.h" "$S/jni-include/" \
  && cp "$JAVA_HOME/include/linux/jni_md.h" "$S/jni-include/linux/"
cp "$ROOT"/inference/src/main/resources/dev/atelier/inference/model/qwenimage/real-*.json "$S/configs/"
if [ -n "${DIFFUSERS_GIT:-}" ]; then
  rm -rf "$S/diffusers" && mkdir -p "$S/diffusers"
  paths=$(git -C "$DIFFUSERS_GIT" ls-tree -r --name-only $COMMIT src/diffusers \
    | grep -v -e '^src/diffusers/pipelines/' -e '^src/diffusers/modular_pipelines/'
    git -C "$DIFFUSERS_GIT" ls-tree --name-only $COMMIT src/diffusers/pipelines/ | grep '\.py$'
    echo src/diffusers/pipelines/qwenimage)
  # shellcheck disable=SC2086
  git -C "$DIFFUSERS_GIT" archive $COMMIT $paths | tar -x -C "$S/diffusers"
  # one archive instead of ~900 small files: the 64 MiB limit counts disk blocks (device-lib.sh unpacks it); the
  # VAE (models/autoencoders) stays in for diffusers_vae_bench.py
  tar -C "$S" -cJf "$S/diffusers.tar.xz" diffusers && rm -rf "$S/diffusers"
fi
(cd "$ROOT" && mvn -B -q -pl inference package -DskipTests)
STAGE_DIR=$S/jvm JRE_MODULES=java.base,java.desktop,java.logging,java.management,java.naming,java.sql,java.xml,jdk.jfr,jdk.unsupported,jdk.zipfs \
  bash /work/shared/device/stage.sh "$ROOT/inference" target/atelier-inference.jar
# not used by the bench; keeps the call under the 64 MiB that travels (with the main checkout's tracked files)
if [ "${KEEP_TOKENIZERS:-0}" = 1 ]; then
  # the fixture edit (kernels-e2e-device.sh) tokenizes: keep the jar with its linux-x86_64 library only (~5 MB);
  # carry the staging folder without diffusers/ then, or the call exceeds 64 MiB
  for j in "$S"/jvm/lib/tokenizers-*.jar; do
    zip -q -d "$j" 'native/lib/win-*' 'native/lib/osx-*' 'native/lib/linux-aarch64/*' || true
  done
else
  rm -f "$S"/jvm/lib/tokenizers-*.jar
fi
rm -f "$S"/jvm/lib/webp-imageio-*.jar "$S"/jvm/lib/kotlin-stdlib-*.jar \
  "$S"/jvm/lib/commons-compress-*.jar
du -sh "$S" "$S"/*
