#!/usr/bin/env python3
"""Side-by-side table of the C# engine benchmark and the PyTorch one (tools/bench.sh runs all three steps).

usage: bench_compare.py CSHARP_JSON TORCH_JSON OUT_MD
"""
import datetime
import json
import platform
import subprocess
import sys


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main():
    cs_path, torch_path, out_path = sys.argv[1:4]
    cs = json.load(open(cs_path))
    pt = json.load(open(torch_path))
    pt_by_len = {r["length"]: r for r in pt["lengths"]}
    lines = [
        f"# Engine benchmark, {datetime.date.today().isoformat()}",
        "",
        f"Machine: {cpu_name()}, {subprocess.check_output(['nproc']).decode().strip()} cores. "
        f"Checkpoint {cs['model']}; C# engine {cs['simd_level']} with {cs['threads']} threads; "
        f"PyTorch {pt.get('torch', '?')} float32 with {pt.get('threads', '?')} threads.",
        "",
        "| length | C# tokens/s | PyTorch tokens/s | speed-up | C# GFLOP/s | C# peak MiB | PyTorch peak MiB | mean NLL C# / PyTorch |",
        "|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in cs["lengths"]:
        p = pt_by_len.get(r["length"])
        if p is None:
            continue
        lines.append(
            f"| {r['length']} | {r['tokens_per_second']:.0f} | {p['tokens_per_second']:.0f} | "
            f"{r['tokens_per_second'] / p['tokens_per_second']:.2f}x | {r['gflop_per_second']:.0f} | "
            f"{r['peak_memory_bytes'] / 2**20:.0f} | {p.get('peak_memory_bytes', 0) / 2**20:.0f} | "
            f"{r['mean_nll']:.4f} / {p['mean_nll']:.4f} |")
    if cs.get("gemm") and pt.get("gemm"):
        lines += ["", "| GEMM M×K→N | weights | C# GFLOP/s | OpenBLAS sgemm GFLOP/s (torch.matmul) | ratio |", "|---|---|---:|---:|---:|"]
        pt_gemm = {(g["m"], g["k"], g["n"]): g for g in pt["gemm"]}
        for g in cs["gemm"]:
            p = pt_gemm.get((g["m"], g["k"], g["n"]))
            if p is None:
                continue
            lines.append(f"| {g['m']}×{g['k']}→{g['n']} | {g['d_type']} | {g['gflop_per_second']:.0f} | "
                         f"{p['gflop_per_second']:.0f} | {g['gflop_per_second'] / p['gflop_per_second']:.2f} |")
    lines += ["", f"GFLOP counted as: {cs['flop_formula']}", ""]
    with open(out_path, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
