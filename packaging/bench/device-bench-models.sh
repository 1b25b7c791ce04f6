#!/usr/bin/env bash
# ON THE DEVICE, one call: the transformer bench (transformer-bench-device.sh) followed by the VAE bench, Atelier and
# diffusers on the same card. Stage with stage-transformer-bench.sh first, then
#   run(command="bash .carry/transformer/packaging/bench/device-bench-models.sh", carry=[".carry/transformer"])
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/device-lib.sh"
bash "$C/packaging/bench/transformer-bench-device.sh"
for size in 1024 2048; do
  budget=(); [ "$size" = 2048 ] && budget=(--budget-gib 12)
  bash "$C/jvm/run-on-device.sh" -cp "$C/jvm/lib/*" dev.atelier.inference.cli.AtelierCli bench vae \
    --random-weights --size "$size" --device gpu "${budget[@]}" 2>&1 | grep -v -e '^WARNING' -e '^\s*at ' | tail -12
  python3 "$C/packaging/bench/diffusers_vae_bench.py" --size "$size" --diffusers-src "$C/diffusers" 2>&1 | grep -E "BENCH|Error|error" | tail -12
done
