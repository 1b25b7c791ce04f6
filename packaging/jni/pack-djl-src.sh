#!/usr/bin/env bash
# Atelier: packs DJL's PyTorch JNI C++ sources into one tarball that build-jni.sh compiles on the GPU
# machine. Runs on a build machine with git + a JDK (javac -h makes the JNI header); the GPU machine
# needs no JDK.
#
# usage: DJL_GIT=<git dir of deepjavalibrary/djl> packaging/jni/pack-djl-src.sh [TAG] [OUT_TARBALL]
#   TAG          DJL tag (default v0.36.0, the DJL version in pom.xml)
#   OUT_TARBALL  default ./.carry/jvm/djl-src-<version>.tar.gz
# env: DJL_GIT  (required) a clone: git clone --bare https://github.com/deepjavalibrary/djl djl.git
#      JDK      (default /usr/lib/jvm/temurin-25-jdk-amd64)
#      M2       Maven repository holding ai.djl:api:<version> (default ~/.m2/repository)
# The tarball holds: djl/engines/pytorch/pytorch-native (C++), djl/api/src/main/native, the javac -h
# header of PyTorchLibrary.java, jni.h/jni_md.h, DJL_TAG and DJL_COMMIT. Same inputs give the same
# sources (git archive of a tag); the tar itself is not byte-reproducible (mtimes), the build is.
set -euo pipefail
TAG=${1:-v0.36.0}
VER=${TAG#v}
OUT=${2:-$PWD/.carry/jvm/djl-src-$VER.tar.gz}
DJL_GIT=${DJL_GIT:?set DJL_GIT to the git dir of a clone of https://github.com/deepjavalibrary/djl}
JDK=${JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}
M2=${M2:-$HOME/.m2/repository}

git -C "$DJL_GIT" rev-parse -q --verify "$TAG^{commit}" >/dev/null \
  || { echo "pack-djl-src: tag $TAG not in $DJL_GIT (git -C $DJL_GIT fetch --tags)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/djl"
git -C "$DJL_GIT" archive "$TAG" engines/pytorch/pytorch-native engines/pytorch/pytorch-engine/src/main/java \
    api/src/main/native | tar -x -C "$tmp/djl"

# JNI header, as DJL's own build.sh makes it (javac -h on PyTorchLibrary.java)
api_jar="$M2/ai/djl/api/$VER/api-$VER.jar"
[ -f "$api_jar" ] || { echo "pack-djl-src: need $api_jar (run any mvn build of Atelier once)"; exit 1; }
slf4j=$(ls "$M2"/org/slf4j/slf4j-api/*/slf4j-api-*.jar 2>/dev/null | head -1 || true)
native="$tmp/djl/engines/pytorch/pytorch-native"
mkdir -p "$native/build/include" "$tmp/classes"
"$JDK/bin/javac" -nowarn -cp "$api_jar${slf4j:+:$slf4j}" \
    -sourcepath "$tmp/djl/engines/pytorch/pytorch-engine/src/main/java" \
    "$tmp/djl/engines/pytorch/pytorch-engine/src/main/java/ai/djl/pytorch/jni/PyTorchLibrary.java" \
    -h "$native/build/include" -d "$tmp/classes"
rm -rf "$tmp/djl/engines/pytorch/pytorch-engine"
mkdir -p "$tmp/djl/jni-include/linux"
cp "$JDK/include/jni.h" "$tmp/djl/jni-include/"
cp "$JDK/include/linux/jni_md.h" "$tmp/djl/jni-include/linux/"
git -C "$DJL_GIT" rev-parse "$TAG^{commit}" > "$tmp/djl/DJL_COMMIT"
echo "$TAG" > "$tmp/djl/DJL_TAG"
mkdir -p "$(dirname "$OUT")"
tar -C "$tmp" --sort=name --owner=0 --group=0 --numeric-owner -czf "$OUT" djl
echo "wrote $OUT ($(du -h "$OUT" | cut -f1)) from DJL $TAG $(cat "$tmp/djl/DJL_COMMIT")"
