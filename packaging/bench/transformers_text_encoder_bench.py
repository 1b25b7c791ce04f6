#!/usr/bin/env python3
"""Reference timing for `atelier bench text-encoder`: transformers' Qwen2.5-VL (Qwen2_5_VLModel, the Qwen-Image text
encoder without lm_head) with random weights, bf16, eager attention, on the same inputs as the Java bench:

* config: inference/src/main/resources/models/qwen2_5_vl_7b_config.json (released Qwen2.5-VL-7B, as in Qwen-Image)
* photo 1024x1024 -> calculate_dimensions(384*384) = 384x384 -> smart_resize(28) = 392x392 -> grid [1, 28, 28],
  pixel_values [784, 1176] (random normal: values do not change the work), 196 image tokens
* token ids: 70 template tokens, <|vision_start|>, 196 <|image_pad|>, <|vision_end|>, 52 prompt tokens (~40 words),
  5 closing tokens (325 tokens); text-only: 34 + 52 + 5 = 91 tokens. Ordinary ids follow 10 + (k * 7919) % limit.
* called as the diffusers pipelines call the encoder: input_ids, attention_mask, pixel_values, image_grid_thw.

Prints RESULT lines in the Java bench's format (mean ms over --iters runs after --warmup runs).
"""
import argparse
import json
import math
import os
import time

import torch
import transformers
from transformers import Qwen2_5_VLConfig
from transformers.models.qwen2_5_vl import modeling_qwen2_5_vl as mq

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CONFIG = os.path.join(HERE, "..", "..", "inference", "src", "main", "resources", "models",
                              "qwen2_5_vl_7b_config.json")
PREFIX_TOKENS, PROMPT_TOKENS, SUFFIX_TOKENS = 70, 52, 5


def condition_patch_grid(width, height, patch, merge):
    ratio = width / height
    w = math.sqrt(384 * 384 * ratio)
    h = w / ratio
    cw, ch = round(w / 32) * 32, round(h / 32) * 32
    factor = patch * merge
    hb, wb = max(factor, round(ch / factor) * factor), max(factor, round(cw / factor) * factor)
    return hb // patch, wb // patch


def text_id(k, vocab, vision_start):
    limit = min(vocab, vision_start) - 10
    return 10 + (k * 7919) % max(1, limit)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", default=DEFAULT_CONFIG)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--dtype", default="bf16", choices=["bf16", "f32"])
    ap.add_argument("--image-size", default="1024x1024")
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--iters", type=int, default=5)
    ap.add_argument("--attn", default="eager")
    args = ap.parse_args()

    raw = json.load(open(args.config))
    raw = {k: v for k, v in raw.items() if not k.startswith("_")}
    cfg = Qwen2_5_VLConfig.from_dict(raw)
    dtype = torch.bfloat16 if args.dtype == "bf16" else torch.float32
    dev = torch.device(args.device)
    vc = cfg.vision_config
    tc = cfg.text_config if hasattr(cfg, "text_config") else cfg
    gh, gw = condition_patch_grid(*map(int, args.image_size.lower().split("x")), vc.patch_size, vc.spatial_merge_size)
    image_tokens = gh * gw // (vc.spatial_merge_size ** 2)
    ids = [text_id(k, tc.vocab_size, cfg.vision_start_token_id) for k in range(PREFIX_TOKENS)]
    ids += [cfg.vision_start_token_id] + [cfg.image_token_id] * image_tokens + [cfg.vision_end_token_id]
    n = PREFIX_TOKENS + 1 + image_tokens + 1 + PROMPT_TOKENS + SUFFIX_TOKENS
    ids += [text_id(k, tc.vocab_size, cfg.vision_start_token_id) for k in range(len(ids), n)]
    input_ids = torch.tensor([ids], device=dev)
    mask = torch.ones_like(input_ids)
    grid = torch.tensor([[1, gh, gw]], device=dev)
    text_ids = torch.tensor([[text_id(k, tc.vocab_size, cfg.vision_start_token_id)
                              for k in range(34 + PROMPT_TOKENS + SUFFIX_TOKENS)]], device=dev)
    patch_dim = vc.in_channels * vc.temporal_patch_size * vc.patch_size * vc.patch_size
    print(f"transformers {transformers.__version__} torch {torch.__version__} device={dev} "
          f"({torch.cuda.get_device_name(dev) if dev.type == 'cuda' else 'cpu'}) dtype={args.dtype} attn={args.attn} "
          f"grid=[1, {gh}, {gw}] patches={gh * gw} image_tokens={image_tokens} seq_len={n}", flush=True)

    t0 = time.perf_counter()
    kw = {"attn_implementation": args.attn}
    kw["dtype" if int(transformers.__version__.split(".")[0]) >= 5 else "torch_dtype"] = dtype
    with torch.device(dev):
        model = mq.Qwen2_5_VLModel._from_config(cfg, **kw)
    model.eval()
    if dev.type == "cuda":
        torch.cuda.synchronize()
    n_params = sum(p.numel() for p in model.parameters())
    print(f"params={n_params / 1e9:.2f}B", flush=True)
    print(f"RESULT text_encoder.load_s={time.perf_counter() - t0:.2f}", flush=True)
    gen = torch.Generator(device=dev).manual_seed(0)
    pixels = torch.randn(gh * gw, patch_dim, generator=gen, device=dev)

    def sync():
        if dev.type == "cuda":
            torch.cuda.synchronize()

    def timed(fn):
        for _ in range(args.warmup):
            fn()
        sync()
        t = time.perf_counter()
        for _ in range(args.iters):
            fn()
        sync()
        return (time.perf_counter() - t) * 1000 / max(1, args.iters)

    with torch.inference_mode():
        vis = timed(lambda: model.visual(pixels.to(dtype), grid_thw=grid))
        print(f"RESULT text_encoder.vision_ms={vis:.2f}", flush=True)
        full = timed(lambda: model(input_ids=input_ids, attention_mask=mask, pixel_values=pixels,
                                   image_grid_thw=grid).last_hidden_state)
        print(f"RESULT text_encoder.edit_forward_ms={full:.2f}", flush=True)
        txt = timed(lambda: model(input_ids=text_ids, attention_mask=torch.ones_like(text_ids)).last_hidden_state)
        print(f"RESULT text_encoder.t2i_forward_ms={txt:.2f} (seq_len={text_ids.shape[1]})", flush=True)
    if dev.type == "cuda":
        print(f"RESULT text_encoder.peak_gpu_mem_gib={torch.cuda.max_memory_allocated(dev) / 2**30:.2f}", flush=True)


if __name__ == "__main__":
    main()
