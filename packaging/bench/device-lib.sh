# Sourced by the *-device.sh scripts (ON THE DEVICE, after stage-transformer-bench.sh): paths and two helpers.
#   C     the staged folder (.carry/transformer)      O     the output folder ($OUT, comes back from the call)
#   KLIB  the kernels library (the committed build unless build_kernels made a fresh one)
#   atelier LIMIT_S ARGS...   the CLI through run-on-device.sh, JVM flags from $JOPTS, DJL warnings filtered out
#   build_kernels             rebuilds libatelier_kernels.so into $O/kernels and points KLIB at it
#   install_kernels           build_kernels (unless BUILD=0), then copies it over the committed library
#   diffusers_forward [ITERS] diffusers' eager transformer forward, 1024² edit + 1 reference, same shapes as ours
C=${CARRY:-.carry/transformer}
O=${OUT:-/tmp/atelier-out}
mkdir -p "$O"
export PATH=/opt/torch/.venv/bin:$PATH
KLIB=${KLIB:-packaging/jni/lib/linux-x86_64/torch-2.11.0-cu130/libatelier_kernels.so}
# the staged diffusers source travels as one archive (stage-transformer-bench.sh)
if [ -f "$C/diffusers.tar.xz" ] && [ ! -d "$C/diffusers" ]; then
  tar -C "$C" -xJf "$C/diffusers.tar.xz"
fi

atelier() {
  # shellcheck disable=SC2086
  timeout "$1" bash "$C/jvm/run-on-device.sh" ${JOPTS:-} -Datelier.kernels.library="$KLIB" -cp "$C/jvm/lib/*" \
    dev.atelier.inference.cli.AtelierCli "${@:2}" 2>&1 | grep -v -e '^WARNING' -e '^\s*at '
}

build_kernels() {
  if ! JNI_INCLUDE=$C/jni-include bash "$C/packaging/kernels/build-kernels.sh" "$O/kernels" > "$O/kernels-build.log" 2>&1; then
    grep -E "error|Error" "$O/kernels-build.log" | head -40
    return 1
  fi
  grep -E "note|torch=" "$O/kernels-build.log" | head -8
  KLIB=$O/kernels/libatelier_kernels.so
}

# unless BUILD=0: rebuild and put the library where Atelier's loader finds it (the product path uses it too)
install_kernels() {
  [ "${BUILD:-1}" = 1 ] || return 0
  build_kernels || return 1
  cp "$KLIB" packaging/jni/lib/linux-x86_64/torch-2.11.0-cu130/libatelier_kernels.so
}

diffusers_forward() {
  PYTHONPATH=$C/diffusers/src timeout 150 python3 "$C/packaging/bench/diffusers_transformer_bench.py" \
    --config "$C/configs/real-edit-2511.json" --size 1024 --refs 1 --txt 300 --iters "${1:-10}" 2>&1 | grep -E "RESULT|Error"
}
