"""Reference timing for `atelier bench transformer`: the diffusers QwenImageTransformer2DModel with random bf16
weights, same config, same inputs, timed the same way (median of per-forward wall times, each ended by copying
one element to the host).

    PYTHONPATH=.carry/diffusers/src python3 packaging/bench/diffusers_transformer_bench.py \
        --config inference/src/main/resources/dev/atelier/inference/model/qwenimage/real-edit-2511.json \
        --size 1024 --refs 1 --txt 300 --iters 10 [--profile]

Prints `RESULT diffusers ...` lines (same keys as the Java bench).
"""
import argparse
import json
import statistics
import subprocess
import threading
import time

import torch


def flops_per_forward(cfg, n_img, n_txt):
    d = cfg["num_attention_heads"] * cfg["attention_head_dim"]
    s = n_img + n_txt
    per_block = 24 * s * d * d + 4 * s * s * d  # qkv + out + 4x MLP (both streams), QK^T and PV
    io = 2 * n_img * cfg["in_channels"] * d + 2 * n_txt * cfg["joint_attention_dim"] * d \
        + 2 * n_img * d * cfg["patch_size"] ** 2 * cfg["out_channels"]
    return cfg["num_layers"] * per_block + io


class SmiPeak:
    """Peak device memory as nvidia-smi reports it (whole card), sampled every 50 ms."""

    def __init__(self):
        self.peak, self.stop = 0, False
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop:
            try:
                out = subprocess.run(["nvidia-smi", "--query-gpu=memory.used", "--format=csv,noheader,nounits",
                                      "-i", "0"], capture_output=True, text=True, timeout=5).stdout
                self.peak = max(self.peak, int(out.strip().splitlines()[0]))
            except Exception:
                pass
            time.sleep(0.05)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True)
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--refs", type=int, default=1)
    ap.add_argument("--txt", type=int, default=300)
    ap.add_argument("--iters", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=3)
    ap.add_argument("--profile", action="store_true")
    ap.add_argument("--compile", action="store_true")
    a = ap.parse_args()

    from diffusers.models.transformers.transformer_qwenimage import QwenImageTransformer2DModel

    cfg = {k: v for k, v in json.load(open(a.config)).items() if not k.startswith("_")}
    smi = SmiPeak()
    dev = torch.device("cuda")
    torch.manual_seed(0)
    t0 = time.perf_counter()
    prev = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)  # random weights made on the GPU in bf16, never a host copy
    with dev:
        model = QwenImageTransformer2DModel(**cfg)
    torch.set_default_dtype(prev)
    model = model.to(dev, torch.bfloat16).eval()
    torch.cuda.synchronize()
    print(f"built in {time.perf_counter() - t0:.1f} s, params {sum(p.numel() for p in model.parameters()) / 1e9:.2f} B")

    h = w = a.size // 16  # latent /8, then 2x2 patches
    shapes = [(1, h, w)] * (1 + a.refs)
    n_img = sum(f * y * x for f, y, x in shapes)
    hidden = torch.randn(1, n_img, cfg["in_channels"], device=dev, dtype=torch.bfloat16)
    txt = torch.randn(1, a.txt, cfg["joint_attention_dim"], device=dev, dtype=torch.bfloat16)
    t = torch.tensor([0.5], device=dev, dtype=torch.bfloat16)
    fwd = model
    if a.compile:
        fwd = torch.compile(model)

    def step():
        with torch.inference_mode():
            out = fwd(hidden_states=hidden, encoder_hidden_states=txt, encoder_hidden_states_mask=None, timestep=t,
                      img_shapes=[shapes], return_dict=False)[0]
        out.flatten()[0].float().item()  # sync like the Java bench
        return out

    for _ in range(a.warmup):
        step()
    torch.cuda.reset_peak_memory_stats()
    times = []
    for _ in range(a.iters):
        s = time.perf_counter()
        step()
        times.append(time.perf_counter() - s)
    med = statistics.median(times)
    fl = flops_per_forward(cfg, n_img, a.txt)
    time.sleep(0.2)
    smi.stop = True
    print(f"RESULT diffusers{'-compile' if a.compile else ''} tokens={n_img + a.txt} median_s={med:.4f} "
          f"min_s={min(times):.4f} tflops={fl / med / 1e12:.1f} flop_per_forward={fl / 1e12:.1f}T "
          f"peak_alloc_gib={torch.cuda.max_memory_allocated() / 2**30:.2f} "
          f"peak_reserved_gib={torch.cuda.max_memory_reserved() / 2**30:.2f} smi_peak_mib={smi.peak} "
          f"device={torch.cuda.get_device_name(0).replace(' ', '_')}")
    if a.profile:
        from torch.profiler import ProfilerActivity, profile
        with profile(activities=[ProfilerActivity.CUDA]) as prof:
            step()
        print(prof.key_averages().table(sort_by="cuda_time_total", row_limit=25, max_name_column_width=60))


if __name__ == "__main__":
    main()
