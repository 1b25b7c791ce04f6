#!/usr/bin/env bash
# HERE: stages what preset-bench-device.sh needs into <main checkout>/.carry/gpu (git-ignored; the device runs in
# the main checkout): packaging/ (make_ops.py, bench scripts), configs/, diffusers/ (copied from DIFFUSERS_DIR, a
# trimmed src tree as stage-transformer-bench.sh makes it), jvm/ (shared/device/stage.sh of this worktree's jar).
# usage: DIFFUSERS_DIR=<dir with src/diffusers> packaging/bench/stage-preset-bench.sh [MAIN_CHECKOUT]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MAIN=${1:-$(git -C "$ROOT" worktree list | head -1 | cut -d' ' -f1)}
S=$MAIN/.carry/gpu
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
git -C "$MAIN" check-ignore -q .carry/gpu/x || { echo "$MAIN/.carry is not git-ignored"; exit 1; }
mkdir -p "$S/configs"
rm -rf "$S/packaging" && mkdir -p "$S/packaging" && cp -r "$ROOT/packaging/ops" "$ROOT/packaging/bench" "$S/packaging/"
rm -rf "$S/packaging/bench/results"
cp "$ROOT"/inference/src/main/resources/dev/atelier/inference/model/qwenimage/real-*.json "$S/configs/"
if [ -n "${DIFFUSERS_DIR:-}" ]; then
  rm -rf "$S/diffusers" && cp -r "$DIFFUSERS_DIR" "$S/diffusers"
fi
(cd "$ROOT" && mvn -B -q -pl inference package -DskipTests)
STAGE_DIR=$S/jvm JRE_MODULES=java.base,java.desktop,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.zipfs \
  bash /work/shared/device/stage.sh "$ROOT/inference" target/atelier-inference.jar
rm -f "$S"/jvm/lib/tokenizers-*.jar "$S"/jvm/lib/webp-imageio-*.jar "$S"/jvm/lib/kotlin-stdlib-*.jar
du -sh "$S" "$S"/*
