#!/usr/bin/env bash
# ON THE DEVICE, one call: diffusers eager and Atelier (native kernels; bf16, then fp8 weights with the fp8 matmul)
# forward of a 1024² edit + 1 reference, back to back on the same card.
set -uo pipefail
C=${CARRY:-.carry/transformer}
export PATH=/opt/torch/.venv/bin:$PATH
KLIB=${KLIB:-packaging/jni/lib/linux-x86_64/torch-2.11.0-cu130/libatelier_kernels.so}
PYTHONPATH=$C/diffusers/src timeout 100 python3 "$C/packaging/bench/diffusers_transformer_bench.py" \
  --config "$C/configs/real-edit-2511.json" --size 1024 --refs 1 --txt 300 --iters 20 2>&1 | grep -E "RESULT|Error" | tail -3
for extra in "" "--fp8"; do
  # shellcheck disable=SC2086
  timeout 100 bash "$C/jvm/run-on-device.sh" -Datelier.kernels.library="$KLIB" -cp "$C/jvm/lib/*" \
    dev.atelier.inference.cli.AtelierCli bench transformer --config real-edit-2511 --random-weights --size 1024 \
    --refs 1 --txt 300 --device gpu --iters 20 --kernels native $extra 2>&1 | grep -E "^RESULT" | sed "s/RESULT /RESULT ${extra:-bf16} /"
done
