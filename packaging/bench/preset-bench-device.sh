#!/usr/bin/env bash
# ON THE DEVICE, one call (stage with stage-preset-bench.sh first):
#   run(command="bash .carry/gpu/packaging/bench/preset-bench-device.sh", carry=[".carry/gpu"])
# 1. regenerates + checks the ops file (fp8, host-copy methods) with the device's torch; it comes back in $OUT
# 2. atelier bench preset: quick-preview, draft, final x budgets none, 24, 16, 12 GiB (+ fp8 matmul, LoRA switch)
# 3. atelier bench transformer: bf16 resident, three q/k/v GEMMs vs one fused GEMM (qk_norm_rope_fast)
# 4. diffusers: bf16 / fp8 layerwise casting, resident / group offload (same card, same call)
# Every step has its own time limit so the call always returns its output.
set -uo pipefail
C=${CARRY:-.carry/gpu}
O=${OUT:-/tmp/atelier-out}
mkdir -p "$O"
export PATH=/opt/torch/.venv/bin:$PATH
CONFIG=${CONFIG:-real-edit-2511}
BUDGETS=${BUDGETS:-none,24,16,12}
nvidia-smi --query-gpu=name,driver_version,memory.total,pcie.link.gen.max,pcie.link.width.max --format=csv,noheader
SECONDS=0
timeout 120 python3 "$C/packaging/ops/make_ops.py" "$O/atelier-ops-v1.pt" 2>&1 \
  | grep -E "using|variant|group|saved|FAIL|fp8 |host |linear3" | grep -v "cpu .*OK" | head -40
echo "ops done at ${SECONDS}s"
JOPTS="-Datelier.ops=$O/atelier-ops-v1.pt -Datelier.ops.rope=qk_norm_rope_fast"
[ -f "$O/atelier-ops-v1.pt" ] || { echo "make_ops failed: built-in ops file"; JOPTS="-Datelier.ops.rope=qk_norm_rope_fast"; }
# shellcheck disable=SC2086
timeout ${JAVA_LIMIT:-300} bash "$C/jvm/run-on-device.sh" $JOPTS -cp "$C/jvm/lib/*" dev.atelier.inference.cli.AtelierCli \
  bench preset quick-preview,draft,final --budget-gib "$BUDGETS" --random-weights --size 1024 --refs 1 \
  --device gpu --forwards 3 --warmup 1 --fp8-mm 2>&1 | grep -E "^(RESULT|plan|preset|note)|rror|Exception|Caused" | head -80
echo "preset done at ${SECONDS}s"
# shellcheck disable=SC2086
timeout 80 bash "$C/jvm/run-on-device.sh" $JOPTS -cp "$C/jvm/lib/*" dev.atelier.inference.cli.AtelierCli \
  bench transformer --config "$CONFIG" --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --rope qk_norm_rope_fast --fuse-qkv false,true --iters 6 --warmup 2 2>&1 \
  | grep -E "RESULT|fused|rror|Exception" | head -10
echo "qkv done at ${SECONDS}s"
for cfgs in "bf16 none 60" "fp8 none 60" "fp8 group 100"; do
  set -- $cfgs
  PYTHONPATH=$C/diffusers/src:$C/packaging/bench timeout "$3" python3 "$C/packaging/bench/diffusers_preset_bench.py" \
    --config "$C/configs/$CONFIG.json" --weights "$1" --offload "$2" --iters 3 --warmup 1 2>&1 \
    | grep -E "RESULT|Error" | tail -3
  echo "diffusers $1 $2 done at ${SECONDS}s"
done
