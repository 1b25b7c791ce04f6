"""diffusers baseline for `atelier bench preset`: the QwenImageTransformer2DModel forward at 1024² edit size with one
reference image (random bf16 weights made on the GPU, the released config), in the configurations a user of diffusers
has for each weight format and VRAM budget:

  --weights bf16|fp8   fp8 = enable_layerwise_casting(storage float8_e4m3fn, compute bf16) (diffusers' fp8 storage)
  --offload none|group group = enable_group_offload(block_level, 1 block per group, use_stream=True): every block
                       streamed from pinned host memory with prefetch on a side stream (diffusers' answer for small
                       VRAM; it does not take a budget)

Timed like the Java bench (median of per-forward wall times, each ended by copying one element to the host).
Prints `RESULT diffusers-preset ...` with the peak reserved memory and nvidia-smi's peak (whole card).

    PYTHONPATH=<diffusers>/src python3 diffusers_preset_bench.py --config real-edit-2511.json --weights fp8 --offload group
"""
import argparse
import json
import statistics
import time

import torch

from diffusers_transformer_bench import SmiPeak


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--refs", type=int, default=1)
    ap.add_argument("--txt", type=int, default=300)
    ap.add_argument("--weights", choices=["bf16", "fp8"], default="bf16")
    ap.add_argument("--offload", choices=["none", "group"], default="none")
    ap.add_argument("--iters", type=int, default=3)
    ap.add_argument("--warmup", type=int, default=1)
    a = ap.parse_args()
    from diffusers.models.transformers.transformer_qwenimage import QwenImageTransformer2DModel

    cfg = {k: v for k, v in json.load(open(a.config)).items() if not k.startswith("_")}
    dev = torch.device("cuda")
    torch.manual_seed(0)
    t0 = time.perf_counter()
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    with dev:
        model = QwenImageTransformer2DModel(**cfg)
    torch.set_default_dtype(prev)
    model = model.eval()
    if a.weights == "fp8":
        model.enable_layerwise_casting(storage_dtype=torch.float8_e4m3fn, compute_dtype=torch.bfloat16)
    if a.offload == "group":
        model.to("cpu")
        torch.cuda.empty_cache()
        model.enable_group_offload(onload_device=dev, offload_device=torch.device("cpu"), offload_type="block_level",
                                   num_blocks_per_group=1, use_stream=True)
    torch.cuda.synchronize()
    build = time.perf_counter() - t0
    smi = SmiPeak()

    h = w = a.size // 16
    shapes = [(1, h, w)] * (1 + a.refs)
    n_img = sum(f * y * x for f, y, x in shapes)
    hidden = torch.randn(1, n_img, cfg["in_channels"], device=dev, dtype=torch.bfloat16)
    txt = torch.randn(1, a.txt, cfg["joint_attention_dim"], device=dev, dtype=torch.bfloat16)
    t = torch.tensor([0.5], device=dev, dtype=torch.bfloat16)

    def step():
        with torch.inference_mode():
            out = model(hidden_states=hidden, encoder_hidden_states=txt, encoder_hidden_states_mask=None, timestep=t,
                        img_shapes=[shapes], return_dict=False)[0]
        out.flatten()[0].float().item()

    for _ in range(a.warmup):
        step()
    torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(a.iters):
        s = time.perf_counter()
        step()
        times.append(time.perf_counter() - s)
    time.sleep(0.2)
    smi.stop = True
    print(f"RESULT diffusers-preset weights={a.weights} offload={a.offload} tokens={n_img + a.txt} "
          f"forward_s={statistics.median(times):.4f} min_s={min(times):.4f} build_s={build:.1f} "
          f"peak_alloc_gib={torch.cuda.max_memory_allocated() / 2**30:.2f} "
          f"peak_reserved_gib={torch.cuda.max_memory_reserved() / 2**30:.2f} smi_peak_mib={smi.peak} "
          f"device={torch.cuda.get_device_name(0).replace(' ', '_')}", flush=True)


if __name__ == "__main__":
    main()
