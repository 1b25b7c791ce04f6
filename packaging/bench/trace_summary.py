#!/usr/bin/env python3
"""Summarises a Chrome trace from torch's Kineto profiler (atelier bench transformer --profile, or torch.profiler):
GPU kernel time by category and by kernel name, and how much of the GPU timeline was idle (the host not keeping up).
usage: trace_summary.py TRACE.json [--top 25] [--gaps 8]   (--gaps: the longest idle stretches, with the GPU ops on
either side and their position in the forward: where the host held the GPU up)"""
import json
import re
import sys
from collections import defaultdict


def category(name):
    n = name.lower()
    if re.search(r"gemm|nvjet|cutlass|xmma|matmul|scaled_mm|f8f8", n):
        return "gemm"
    if re.search(r"fmha|flash|cudnn|attention|sdpa", n):
        return "attention"
    return "other"


def main():
    path = sys.argv[1]
    top = int(sys.argv[sys.argv.index("--top") + 1]) if "--top" in sys.argv else 25
    with open(path) as f:
        tr = json.load(f)
    evs = tr["traceEvents"] if isinstance(tr, dict) else tr
    kernels = [e for e in evs if e.get("cat") in ("kernel", "gpu_memcpy", "gpu_memset") and "dur" in e]
    if not kernels:
        print("no GPU kernels in", path)
        return
    by_cat = defaultdict(float)
    by_name = defaultdict(lambda: [0.0, 0])
    for e in kernels:
        name = e["name"] if e.get("cat") == "kernel" else e["cat"]
        by_cat[category(name) if e.get("cat") == "kernel" else "copy"] += e["dur"]
        g = by_name[name[:90]]
        g[0] += e["dur"]
        g[1] += 1
    iv = sorted((e["ts"], e["ts"] + e["dur"]) for e in kernels)
    span = iv[-1][1] - iv[0][0]
    busy, cur_s, cur_e = 0.0, iv[0][0], iv[0][1]
    for s, t in iv[1:]:
        if s > cur_e:
            busy += cur_e - cur_s
            cur_s, cur_e = s, t
        else:
            cur_e = max(cur_e, t)
    busy += cur_e - cur_s
    total = sum(by_cat.values())
    print(f"TRACE {path}: {len(kernels)} GPU ops, span {span / 1e3:.1f} ms, busy {busy / 1e3:.1f} ms, "
          f"idle {(span - busy) / 1e3:.1f} ms, kernel sum {total / 1e3:.1f} ms")
    print("TRACE by category: " + ", ".join(f"{k} {v / 1e3:.1f} ms" for k, v in sorted(by_cat.items(), key=lambda x: -x[1])))
    for name, (d, c) in sorted(by_name.items(), key=lambda x: -x[1][0])[:top]:
        print(f"TRACE {d / 1e3:8.2f} ms {c:6d}x {d / c:8.1f} us  {name}")
    ngaps = int(sys.argv[sys.argv.index("--gaps") + 1]) if "--gaps" in sys.argv else 0
    if ngaps:
        ks = sorted(kernels, key=lambda e: e["ts"])
        gaps, end = [], ks[0]["ts"] + ks[0]["dur"]
        for i in range(1, len(ks)):
            if ks[i]["ts"] > end:
                gaps.append((ks[i]["ts"] - end, i))
            end = max(end, ks[i]["ts"] + ks[i]["dur"])
        for g, i in sorted(gaps, reverse=True)[:ngaps]:
            at = (ks[i]["ts"] - ks[0]["ts"]) / 1e3
            print(f"GAP {g / 1e3:7.2f} ms at {at:7.1f} ms (op {i}/{len(ks)}): {ks[i - 1]['name'][:45]} -> {ks[i]['name'][:45]}")
        small = sum(g for g, _ in gaps if g < 100)
        print(f"GAP total {sum(g for g, _ in gaps) / 1e3:.1f} ms in {len(gaps)} stretches ({small / 1e3:.1f} ms in those under 0.1 ms)")


if __name__ == "__main__":
    main()
