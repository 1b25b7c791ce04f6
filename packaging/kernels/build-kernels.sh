#!/usr/bin/env bash
# Builds libatelier_kernels.so (Atelier's fused CUDA kernels + their JNI entry points) against the torch that
# python3 imports. Runs where nvcc, g++ and a CUDA build of torch are (the GPU machine, or a user's machine:
# README "GPU set-up"). The library is tied to torch's C++ ABI like the DJL JNI, so it goes beside it:
#   OUT_DIR/libatelier_kernels.so + libatelier_kernels.so.txt (provenance)
# usage: bash build-kernels.sh OUT_DIR
# env:   TORCH_DIR (default: the torch python3 finds)   JNI_INCLUDE (folder with jni.h; default: $JAVA_HOME/include,
#        else the copy staged beside this script in jni-include/)   ARCHS (nvcc -gencode list; default below)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
OUT=$(mkdir -p "${1:?out dir}" && cd "$1" && pwd)
BUILD=${BUILD_DIR:-/tmp/atelier-kernels-build}
if [ -z "${TORCH_DIR:-}" ]; then
  TORCH_DIR=$(python3 -c 'import importlib.util as u; print(u.find_spec("torch").submodule_search_locations[0])')
fi
[ -f "$TORCH_DIR/lib/libtorch_cuda.so" ] || { echo "no CUDA torch under $TORCH_DIR (libtorch_cuda.so missing)"; exit 1; }
TV=$(sed -n "s/^__version__ = '\([^']*\)'.*/\1/p" "$TORCH_DIR/version.py")
ABI=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null || echo 1)
NVCC=${NVCC:-$(command -v nvcc || echo /usr/local/cuda/bin/nvcc)}
[ -x "$NVCC" ] || { echo "nvcc not found: install the CUDA toolkit matching torch's CUDA (README: GPU set-up)"; exit 1; }
JNI_INCLUDE=${JNI_INCLUDE:-}
if [ -z "$JNI_INCLUDE" ]; then
  if [ -n "${JAVA_HOME:-}" ] && [ -f "$JAVA_HOME/include/jni.h" ]; then JNI_INCLUDE=$JAVA_HOME/include; else JNI_INCLUDE=$HERE/jni-include; fi
fi
[ -f "$JNI_INCLUDE/jni.h" ] || { echo "jni.h not found in $JNI_INCLUDE (set JAVA_HOME or JNI_INCLUDE)"; exit 1; }
# consumer RTX 30xx (sm_86), 40xx (sm_89), data-centre A100 (sm_80) and H100 (sm_90); PTX for newer cards (sm_120)
ARCHS=${ARCHS:-"-gencode=arch=compute_80,code=sm_80 -gencode=arch=compute_86,code=sm_86 -gencode=arch=compute_89,code=sm_89 -gencode=arch=compute_90,code=sm_90 -gencode=arch=compute_90,code=compute_90"}
echo "torch $TV at $TORCH_DIR (CXX11 ABI=$ABI); $($NVCC --version | tail -1)"
rm -rf "$BUILD" && mkdir -p "$BUILD"
INCS="-I$TORCH_DIR/include -I$TORCH_DIR/include/torch/csrc/api/include -I$JNI_INCLUDE -I$JNI_INCLUDE/linux -I$HERE"
for d in "$(dirname "$NVCC")/../include" /usr/local/cuda/include "$(dirname "$TORCH_DIR")"/nvidia/*/include "$(dirname "$TORCH_DIR")"/nvidia/*/*/include; do
  [ -d "$d" ] && INCS="$INCS -I$d"
done
start=$(date +%s)
# shellcheck disable=SC2086
"$NVCC" -std=c++17 -O3 -Xcompiler -fPIC $ARCHS -I"$HERE" -c "$HERE/atelier_kernels.cu" -o "$BUILD/kernels.o" &
p1=$!
# shellcheck disable=SC2086
g++ -std=c++17 -O2 -fPIC -w -DNDEBUG -D_GLIBCXX_USE_CXX11_ABI=$ABI $INCS -c "$HERE/atelier_jni.cpp" -o "$BUILD/jni.o" &
p2=$!
# the profiler entry points are optional (torch's C++ profiler API moves between versions)
# shellcheck disable=SC2086
g++ -std=c++17 -O2 -fPIC -w -DNDEBUG -D_GLIBCXX_USE_CXX11_ABI=$ABI $INCS -c "$HERE/atelier_profiler.cpp" -o "$BUILD/profiler.o" \
  > "$BUILD/profiler.log" 2>&1 &
p3=$!
wait "$p1"; wait "$p2"
PROF=""
if wait "$p3"; then PROF="$BUILD/profiler.o"; else echo "note: profiler entry points left out:"; head -5 "$BUILD/profiler.log"; fi
# cudart linked statically (nvcc's default): nothing to find at run time besides torch, which DJL has loaded
# shellcheck disable=SC2086
"$NVCC" -shared -o "$BUILD/libatelier_kernels.so" "$BUILD/kernels.o" "$BUILD/jni.o" $PROF $ARCHS \
  -L"$TORCH_DIR/lib" -ltorch -ltorch_cpu -lc10 -ltorch_cuda -lc10_cuda -Xlinker -rpath -Xlinker '$ORIGIN'
echo "built in $(( $(date +%s) - start )) s"
strip --strip-unneeded "$BUILD/libatelier_kernels.so" || true
cp "$BUILD/libatelier_kernels.so" "$OUT/"
echo "torch=$TV abi=$ABI profiler=$([ -n "$PROF" ] && echo yes || echo no) sources_sha256=$(cat "$HERE/atelier_kernels.h" "$HERE/atelier_kernels.cu" "$HERE/atelier_jni.cpp" "$HERE/atelier_profiler.cpp" | sha256sum | cut -c1-64)" \
     "sha256=$(sha256sum "$OUT/libatelier_kernels.so" | cut -c1-64) built=$(date -u +%FT%TZ)" > "$OUT/libatelier_kernels.so.txt"
cat "$OUT/libatelier_kernels.so.txt"; ls -la "$OUT/libatelier_kernels.so"
