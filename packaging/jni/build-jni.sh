#!/usr/bin/env bash
# Atelier: builds DJL's PyTorch JNI library libdjl_torch.so, with Atelier's bf16 patch, against the torch
# that python3 imports (headers in torch/include, libs in torch/lib). Runs ON THE GPU MACHINE (g++, make,
# python3 with torch; no JDK needed), from a DJL source tarball made by pack-djl-src.sh.
# The result goes into packaging/jni/lib/linux-x86_64/torch-<version>/ (see packaging/jni/README.md).
#
# usage: bash build-jni.sh SRC_TARBALL OUT_DIR
# env:   TORCH_DIR  torch package dir (default: the one python3 finds)
#        PATCH      patch applied with -p1 inside djl/ (default: djl-0.36.0-torch-2.11.patch beside this
#                   script, if present); PATCH=none skips it
#        JOBS (default nproc)  CXXSTD (default c++17)  BUILD_DIR (default /tmp/djl-jni-build)
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SRC=$(readlink -f "${1:?source tarball}")
OUT=$(mkdir -p "${2:?out dir}" && cd "$2" && pwd)
BUILD=${BUILD_DIR:-/tmp/djl-jni-build}
JOBS=${JOBS:-$(nproc)}
CXXSTD=${CXXSTD:-c++17}
PATCH=${PATCH:-$HERE/djl-0.36.0-torch-2.11.patch}
# The runtime recognises a bf16-capable JNI by this string, which the patch adds (JniLibrary.BF16_MARKER).
MARKER="DJL PyTorch JNI: unsupported DJL DataType ordinal"

if [ -z "${TORCH_DIR:-}" ]; then
  TORCH_DIR=$(python3 -c 'import importlib.util as u; print(u.find_spec("torch").submodule_search_locations[0])')
fi
[ -f "$TORCH_DIR/lib/libtorch.so" ] || { echo "no libtorch.so under $TORCH_DIR/lib"; exit 1; }
TV=$(sed -n "s/^__version__ = '\([^']*\)'.*/\1/p" "$TORCH_DIR/version.py")
ABI=$(python3 -c 'import torch; print(int(torch._C._GLIBCXX_USE_CXX11_ABI))' 2>/dev/null || echo 1)
echo "torch $TV at $TORCH_DIR (CXX11 ABI=$ABI)"

rm -rf "$BUILD"; mkdir -p "$BUILD/obj"
tar -xzf "$SRC" -C "$BUILD"
echo "DJL source: $(cat "$BUILD/djl/DJL_TAG" 2>/dev/null) $(cat "$BUILD/djl/DJL_COMMIT" 2>/dev/null)"
PATCH_SHA=none
if [ "$PATCH" != none ]; then
  [ -f "$PATCH" ] || { echo "patch $PATCH not found (PATCH=none builds stock DJL, without bf16)"; exit 1; }
  PATCH_SHA=$(sha256sum "$PATCH" | cut -c1-64)
  echo "applying $PATCH (sha256 $PATCH_SHA)"; (cd "$BUILD/djl" && patch -p1 --forward < "$PATCH")
fi
NATIVE=$BUILD/djl/engines/pytorch/pytorch-native

DEFS="-DNDEBUG -D_GLIBCXX_USE_CXX11_ABI=$ABI"
INCS="-I$NATIVE/build/include -I$BUILD/djl/api/src/main/native -I$BUILD/djl/jni-include -I$BUILD/djl/jni-include/linux"
INCS="$INCS -I$TORCH_DIR/include -I$TORCH_DIR/include/torch/csrc/api/include"
LIBS="-L$TORCH_DIR/lib -Wl,--no-as-needed -ltorch -ltorch_cpu -lc10"
if [ -f "$TORCH_DIR/lib/libtorch_cuda.so" ]; then
  DEFS="$DEFS -DUSE_CUDA"
  LIBS="$LIBS -ltorch_cuda -lc10_cuda"
  # CUDA headers (ATen/cuda/CUDAContext.h needs cuda_runtime_api.h, cublas_v2.h, cusparse.h, ...)
  for d in /usr/local/cuda/include "$(dirname "$TORCH_DIR")"/nvidia/*/include "$(dirname "$TORCH_DIR")"/nvidia/*/*/include; do
    [ -d "$d" ] && INCS="$INCS -I$d"
  done
fi
LIBS="$LIBS -Wl,--as-needed -Wl,-rpath,'\$ORIGIN'"
CXXFLAGS="-std=$CXXSTD -O2 -fPIC -w $DEFS $INCS"

{
  echo "all: libdjl_torch.so"
  objs=""
  for f in "$NATIVE"/src/main/native/*.cc; do
    o=$BUILD/obj/$(basename "$f" .cc).o; objs="$objs $o"
    printf '%s: %s\n\t%s\n' "$o" "$f" "g++ $CXXFLAGS -c $f -o $o"
  done
  printf 'libdjl_torch.so: %s\n\t%s\n' "$objs" "g++ -shared -o \$@ $objs $LIBS"
} > "$BUILD/Makefile"
sed -i 's/\$ORIGIN/$$ORIGIN/' "$BUILD/Makefile"   # make-escape $ORIGIN (kept in single quotes for the shell)

start=$(date +%s)
make -C "$BUILD" -j"$JOBS" -k
echo "compiled in $(( $(date +%s) - start )) s"
strip --strip-unneeded "$BUILD/libdjl_torch.so" || true
cp "$BUILD/libdjl_torch.so" "$OUT/libdjl_torch.so"
BF16=no
grep -aqF "$MARKER" "$OUT/libdjl_torch.so" && BF16=yes
echo "torch=$TV djl=$(cat "$BUILD/djl/DJL_TAG" 2>/dev/null) djl_commit=$(cat "$BUILD/djl/DJL_COMMIT" 2>/dev/null)" \
     "cxxstd=$CXXSTD abi=$ABI cuda=$([ -f "$TORCH_DIR/lib/libtorch_cuda.so" ] && echo yes || echo no)" \
     "patch=$(basename "$PATCH") patch_sha256=$PATCH_SHA bf16=$BF16" \
     "sha256=$(sha256sum "$OUT/libdjl_torch.so" | cut -c1-64) built=$(date -u +%FT%TZ)" > "$OUT/libdjl_torch.so.txt"
cat "$OUT/libdjl_torch.so.txt"
ls -la "$OUT/libdjl_torch.so"

# check every symbol resolves against this torch (RTLD_NOW), as Java's System.load would need
python3 - "$OUT/libdjl_torch.so" <<'PY'
import ctypes, os, sys, torch
ctypes.CDLL(sys.argv[1], mode=os.RTLD_NOW | os.RTLD_LOCAL)
print("dlopen(RTLD_NOW) OK:", sys.argv[1], "torch", torch.__version__)
PY
