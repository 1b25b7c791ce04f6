#!/usr/bin/env bash
# ON THE DEVICE, second call (after preset-bench-device.sh): side-stream block copies + fused q/k/v.
#   run(command="bash .carry/gpu/packaging/bench/streams-bench-device.sh", carry=[".carry/gpu"])
# 1. ops file + the CUDA-only streams file (make_ops.py --streams: scripted, values checked, overlap measured)
# 2. atelier bench preset at the streaming budgets (16, 12 GiB): side stream on vs one stream, same outputs
# 3. atelier bench transformer bf16 resident: three q/k/v GEMMs vs one fused GEMM
# 4. diffusers bf16 resident and bf16 group offload (same card, same call)
set -uo pipefail
C=${CARRY:-.carry/gpu}
O=${OUT:-/tmp/atelier-out}
mkdir -p "$O"
export PATH=/opt/torch/.venv/bin:$PATH
CONFIG=${CONFIG:-real-edit-2511}
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
SECONDS=0
timeout 120 python3 "$C/packaging/ops/make_ops.py" "$O/atelier-ops-v1.pt" --streams 2>&1 \
  | grep -E "group|saved|FAIL|streams" | grep -v "cpu .*OK" | head -20
echo "ops done at ${SECONDS}s"
JOPTS="-Datelier.ops=$O/atelier-ops-v1.pt -Datelier.ops.streams=$O/atelier-cuda-streams-v1.pt -Datelier.ops.rope=qk_norm_rope_fast"
[ -f "$O/atelier-ops-v1.pt" ] || JOPTS="-Datelier.ops.rope=qk_norm_rope_fast"
# shellcheck disable=SC2086
timeout 80 bash "$C/jvm/run-on-device.sh" $JOPTS -cp "$C/jvm/lib/*" dev.atelier.inference.cli.AtelierCli \
  bench transformer --config "$CONFIG" --random-weights --size 1024 --refs 1 --txt 300 --device gpu \
  --rope qk_norm_rope_fast --fuse-qkv false,true --iters 6 --warmup 2 2>&1 | grep -E "RESULT|fused|rror|Exception" | head -10
echo "qkv done at ${SECONDS}s"
PYTHONPATH=$C/diffusers/src:$C/packaging/bench timeout 60 python3 "$C/packaging/bench/diffusers_preset_bench.py" \
  --config "$C/configs/$CONFIG.json" --weights bf16 --offload none --iters 5 --warmup 2 2>&1 | grep -E "RESULT|Error" | tail -3
# shellcheck disable=SC2086
timeout ${JAVA_LIMIT:-240} bash "$C/jvm/run-on-device.sh" $JOPTS -cp "$C/jvm/lib/*" dev.atelier.inference.cli.AtelierCli \
  bench preset quick-preview,final --budget-gib "${BUDGETS:-16,12}" --random-weights --size 1024 --refs 1 \
  --device gpu --forwards 3 --warmup 1 --skip-te --skip-vae --lora-mib 0 2>&1 \
  | grep -E "^(RESULT stage|plan)|rror|Exception|Caused" | head -40
echo "preset done at ${SECONDS}s"
PYTHONPATH=$C/diffusers/src:$C/packaging/bench timeout 150 python3 "$C/packaging/bench/diffusers_preset_bench.py" \
  --config "$C/configs/$CONFIG.json" --weights bf16 --offload group --iters 3 --warmup 1 2>&1 | grep -E "RESULT|Error" | tail -3
echo "diffusers done at ${SECONDS}s"
