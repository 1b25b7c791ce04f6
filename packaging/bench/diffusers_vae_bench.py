#!/usr/bin/env python3
"""Times diffusers' AutoencoderKLQwenImage the way `atelier bench vae` times Atelier's port.

Same config (Qwen-Image vae/config.json, shipped in inference/src/main/resources/.../qwen-image-vae-config.json),
random weights made on the device, image [1, 3, 1, S, S] uniform in [-1, 1], latents [1, 16, 1, S/8, S/8] normal,
`--warmup` untimed then `--runs` timed calls per phase, wall clock around each call, synchronised by copying one
element to the host (as the Java side does); median reported. Memory: torch.cuda.max_memory_allocated /
max_memory_reserved during the phase, minus what was allocated before it (weights, inputs).

Phases: tiled decode, tiled encode (diffusers' enable_tiling with --tile, stride = tile - tile // 4, as Atelier's
forced tiling), untiled encode, untiled decode; then max/mean |tiled - untiled| of the decode.

  python3 packaging/bench/diffusers_vae_bench.py --size 1024 --diffusers-src <diffusers checkout>
"""
import argparse
import json
import os
import statistics
import sys
import time

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "inference", "src", "main",
                      "resources", "dev", "atelier", "inference", "model", "vae", "qwen-image-vae-config.json")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=1024)
    ap.add_argument("--device", default="cuda", help="cuda or cpu")
    ap.add_argument("--dtype", default=None, help="bf16 or fp32 (default bf16 on cuda, fp32 on cpu)")
    ap.add_argument("--diffusers-src", default=None, help="a diffusers checkout (its src/ is put on sys.path)")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--tile", type=int, default=512, help="tile side in pixels for the tiled phases")
    ap.add_argument("--skip-tiled", action="store_true")
    args = ap.parse_args()

    if args.diffusers_src:
        src = os.path.join(args.diffusers_src, "src")
        sys.path.insert(0, src if os.path.isdir(src) else args.diffusers_src)
    import torch
    import diffusers
    from diffusers.models.autoencoders.autoencoder_kl_qwenimage import AutoencoderKLQwenImage

    dev = torch.device(args.device)
    gpu = dev.type == "cuda"
    dt_name = args.dtype or ("bf16" if gpu else "fp32")
    dtype = {"bf16": torch.bfloat16, "bfloat16": torch.bfloat16, "fp32": torch.float32,
             "float32": torch.float32}[dt_name]
    with open(CONFIG) as f:
        cfg = {k: v for k, v in json.load(f).items() if not k.startswith("_")}
    tag = f"BENCH vae impl=diffusers device={dev} dtype={dt_name} size={args.size}"
    print(f"# torch {torch.__version__} diffusers {diffusers.__version__} ({diffusers.__file__})"
          + (f" gpu {torch.cuda.get_device_name(dev)}" if gpu else ""), flush=True)

    torch.manual_seed(1234)
    t0 = time.perf_counter()
    with torch.device(dev):
        vae = AutoencoderKLQwenImage(**cfg)
    vae = vae.to(dtype=dtype).eval().requires_grad_(False)
    if gpu:
        torch.cuda.synchronize(dev)
    weights = sum(p.numel() * p.element_size() for p in vae.parameters())
    print(f"{tag} phase=load seconds={time.perf_counter() - t0:.3f} weights_gib={weights / 2**30:.3f}", flush=True)

    s = args.size
    f = 2 ** len(cfg.get("temperal_downsample", [False, True, True]))
    image = (torch.rand(1, 3, 1, s, s, device=dev) * 2 - 1).to(dtype)
    latents = torch.randn(1, cfg.get("z_dim", 16), 1, s // f, s // f, device=dev).to(dtype)
    tile = min(args.tile, s)
    stride = tile - tile // 4

    def sync(t):
        t.reshape(-1)[0].float().item()

    def phase(name, tiled, fn):
        if tiled:
            vae.enable_tiling(tile_sample_min_height=tile, tile_sample_min_width=tile,
                              tile_sample_stride_height=stride, tile_sample_stride_width=stride)
        else:
            vae.use_tiling = False
        with torch.no_grad():
            for _ in range(args.warmup):
                sync(fn())
            if gpu:
                torch.cuda.synchronize(dev)
                torch.cuda.reset_peak_memory_stats(dev)
                base = torch.cuda.memory_allocated(dev)
            times = []
            out = None
            for _ in range(args.runs):
                out = None
                t = time.perf_counter()
                out = fn()
                sync(out)
                times.append(time.perf_counter() - t)
        mem = ""
        if gpu:
            mem = (f" peak_allocated_gib={(torch.cuda.max_memory_allocated(dev) - base) / 2**30:.3f}"
                   f" peak_reserved_gib={torch.cuda.max_memory_reserved(dev) / 2**30:.3f}")
        print(f"{tag} phase={name} tiling={f'{tile}/{stride}' if tiled else 'off'} "
              f"median_s={statistics.median(times):.4f} min_s={min(times):.4f} runs={args.runs}{mem}", flush=True)
        return out

    enc = lambda: vae.encode(image).latent_dist.mode()
    dec = lambda: vae.decode(latents).sample
    tiled_out = None
    if not args.skip_tiled:
        tiled_out = phase("decode", True, dec).float()
        phase("encode", True, enc)
    phase("encode", False, enc)
    untiled = phase("decode", False, dec).float()
    if tiled_out is not None:
        # diffusers leaves tiled output unclamped; compare clamped, as Atelier does
        d = (untiled - tiled_out.clamp(-1, 1)).abs()
        print(f"{tag} tiled_vs_untiled_decode max_abs={d.max().item():.4g} mean_abs={d.mean().item():.4g} "
              "(random weights: a bound on the blend, not image quality)", flush=True)


if __name__ == "__main__":
    main()
