#!/usr/bin/env bash
# Text-encoder benchmark, run ON THE GPU MACHINE from the checkout root, after (here)
#   STAGE_DIR=$PWD/.carry/jvm <shared>/device/stage.sh inference
# with carry [".carry/jvm"]. Runs, REPEAT times alternating: transformers' Qwen2.5-VL (random weights, bf16,
# eager attention; needs torch + transformers 5.x in $PYTHON) and Atelier's (DJL, random weights created on the
# GPU in bf16), both with the released 7B config, a 1024x1024 photo sized as the edit-plus pipeline does
# (392x392 -> 784 patches, 196 image tokens) and a 40-word prompt (325 tokens). Atelier also prints its bf16
# error on the qwen-tiny fixture against the fp32 reference. RESULT lines go to stdout and $OUT.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
CARRY=${CARRY:-$ROOT/.carry/jvm}
OUT=${OUT:-/tmp/atelier-te-bench}
REPEAT=${REPEAT:-2}
if [ -z "${PYTHON:-}" ]; then
  if [ -x /opt/torch/.venv/bin/python ]; then PYTHON=/opt/torch/.venv/bin/python; else PYTHON=python3; fi
fi
mkdir -p "$OUT"
nvidia-smi --query-gpu=name,memory.total,memory.used --format=csv 2>&1 | tee "$OUT/nvidia-smi.txt"
"$PYTHON" -c 'import torch, transformers; print("python:", torch.__version__, "transformers", transformers.__version__)' \
  || echo "WARNING: $PYTHON cannot import torch + transformers: the transformers side will fail"
for i in $(seq 1 "$REPEAT"); do
  echo "=== round $i: transformers (eager, bf16)"
  "$PYTHON" "$HERE/transformers_text_encoder_bench.py" --device cuda --dtype bf16 --attn eager 2>&1 \
    | tee "$OUT/transformers-$i.txt" | grep -v Warning
  echo "=== round $i: Atelier (DJL, bf16)"
  bash "$CARRY/run-on-device.sh" -cp "$CARRY/lib/*" dev.atelier.inference.cli.BenchTextEncoderCommand \
    --random-weights --device gpu --fixture "$ROOT/inference/src/test/resources/fixtures/qwen-tiny" 2>&1 \
    | tee "$OUT/atelier-$i.txt" | grep -v "^WARNING"
done
