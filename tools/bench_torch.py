#!/usr/bin/env python3
"""PyTorch CPU float32 baseline for the engine benchmark (the C# side is LongRopeSearch.Engine.Bench.EngineBenchmark).

Same checkpoint, same samples, same lengths, same FLOP count:
  * samples: the dataset's documents (sorted by name, raw bytes = token ids of a byte-level model) concatenated in
    order, starting again from the first when they run out, cut to L tokens;
  * a straightforward Llama forward (RMSNorm, q/k/v, rotate_half RoPE with identity factors, causal softmax
    attention, SwiGLU MLP, final norm, lm head), float32, torch.no_grad(), torch.set_num_threads(THREADS);
  * attention: F.scaled_dot_product_attention when this torch has it (>= 2.0), else explicit softmax attention over
    blocks of query rows, each block against the keys up to its last row, so memory stays O(block * L), not L*L;
  * logits a block of rows at a time (log_softmax, gather the next token);
  * GEMM: torch.matmul(A[M,K], W[N,K].t()) in float32 (OpenBLAS sgemm on this machine).
GFLOP formula (as EngineBenchmark.FlopFormulaText): L*(layers*2*hidden*(q_dim + 2*kv_dim + q_dim + 3*inter)
+ 2*hidden*vocab) + layers*2*heads*head_dim*L*(L+1); GEMM 2*M*N*K.

usage: bench_torch.py CHECKPOINT_DIR|random DATA_DIR [--lengths 2048,8192,32768] [--threads 2] [--repeats 2]
                      [--gemm-rows 512] [--json out.json]
"""

import argparse
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

QUERY_BLOCK = 1024


def load_checkpoint(path):
    with open(os.path.join(path, "config.json")) as f:
        cfg = json.load(f)
    st = os.path.join(path, "model.safetensors")
    with open(st, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n).decode("utf-8"))
        base = 8 + n
        data = f.read()
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        b, e = info["data_offsets"]
        raw = data[b:e]
        if info["dtype"] == "F32":
            t = torch.from_numpy(np.frombuffer(raw, dtype="<f4").copy())
        elif info["dtype"] == "F16":
            t = torch.from_numpy(np.frombuffer(raw, dtype="<f2").copy()).float()
        elif info["dtype"] == "BF16":
            t = (torch.from_numpy(np.frombuffer(raw, dtype="<i2").astype(np.int32)) << 16).view(torch.float32)
        else:
            raise ValueError(f"{st}: tensor {name} has dtype {info['dtype']}, expected F32, F16 or BF16")
        tensors[name] = t.reshape(info["shape"]).contiguous()
    return normalize_config(cfg), tensors


def normalize_config(cfg):
    heads = cfg["num_attention_heads"]
    return {
        "vocab": cfg["vocab_size"],
        "hidden": cfg["hidden_size"],
        "inter": cfg["intermediate_size"],
        "layers": cfg["num_hidden_layers"],
        "heads": heads,
        "kv_heads": cfg.get("num_key_value_heads") or heads,
        "head_dim": cfg.get("head_dim") or cfg["hidden_size"] // heads,
        "theta": cfg.get("rope_theta", 10000.0),
        "eps": cfg.get("rms_norm_eps", 1e-6),
        "tied": cfg.get("tie_word_embeddings", False),
    }


def random_model():
    """The tiny-brown shapes with random weights (for runs before the checkpoint exists)."""
    c = {"vocab": 256, "hidden": 256, "inter": 688, "layers": 4, "heads": 4, "kv_heads": 4, "head_dim": 64,
         "theta": 10000.0, "eps": 1e-5, "tied": False}
    g = torch.Generator().manual_seed(1)
    r = lambda *s: (torch.rand(*s, generator=g) - 0.5) * 0.2
    h, qd, kvd = c["hidden"], c["heads"] * c["head_dim"], c["kv_heads"] * c["head_dim"]
    t = {"model.embed_tokens.weight": r(c["vocab"], h), "model.norm.weight": torch.ones(h), "lm_head.weight": r(c["vocab"], h)}
    for i in range(c["layers"]):
        p = f"model.layers.{i}."
        t.update({p + "input_layernorm.weight": torch.ones(h), p + "post_attention_layernorm.weight": torch.ones(h),
                  p + "self_attn.q_proj.weight": r(qd, h), p + "self_attn.k_proj.weight": r(kvd, h),
                  p + "self_attn.v_proj.weight": r(kvd, h), p + "self_attn.o_proj.weight": r(h, qd),
                  p + "mlp.gate_proj.weight": r(c["inter"], h), p + "mlp.up_proj.weight": r(c["inter"], h),
                  p + "mlp.down_proj.weight": r(h, c["inter"])})
    return c, t


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def rotate_half(x):
    half = x.shape[-1] // 2
    return torch.cat((-x[..., half:], x[..., :half]), dim=-1)


def attention(q, k, v, group):
    """q [heads, L, d], k/v [kv_heads, L, d] -> [heads, L, d], causal."""
    if group > 1:
        k = k.repeat_interleave(group, dim=0)
        v = v.repeat_interleave(group, dim=0)
    if hasattr(F, "scaled_dot_product_attention"):
        return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    heads, L, d = q.shape
    scale = 1.0 / math.sqrt(d)
    out = torch.empty_like(q)
    for s in range(0, L, QUERY_BLOCK):
        e = min(L, s + QUERY_BLOCK)
        scores = torch.matmul(q[:, s:e], k[:, :e].transpose(1, 2)) * scale  # [heads, block, e]
        rows = torch.arange(s, e).unsqueeze(1)
        cols = torch.arange(e).unsqueeze(0)
        scores.masked_fill_(cols > rows, float("-inf"))
        out[:, s:e] = torch.matmul(torch.softmax(scores, dim=-1), v[:, :e])
    return out


def forward_nll(c, t, tokens):
    L = len(tokens)
    d, H, KV = c["head_dim"], c["heads"], c["kv_heads"]
    ids = torch.tensor(tokens, dtype=torch.long)
    x = t["model.embed_tokens.weight"][ids]
    inv = 1.0 / (c["theta"] ** (torch.arange(0, d, 2, dtype=torch.float64) / d))
    ang = torch.arange(L, dtype=torch.float64).unsqueeze(1) * inv.unsqueeze(0)
    cos = torch.cat((ang.cos(), ang.cos()), -1).float()
    sin = torch.cat((ang.sin(), ang.sin()), -1).float()
    for i in range(c["layers"]):
        p = f"model.layers.{i}."
        n = rms_norm(x, t[p + "input_layernorm.weight"], c["eps"])
        q = (n @ t[p + "self_attn.q_proj.weight"].t()).view(L, H, d).transpose(0, 1)
        k = (n @ t[p + "self_attn.k_proj.weight"].t()).view(L, KV, d).transpose(0, 1)
        v = (n @ t[p + "self_attn.v_proj.weight"].t()).view(L, KV, d).transpose(0, 1).contiguous()
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        a = attention(q, k, v, H // KV).transpose(0, 1).reshape(L, H * d)
        x = x + a @ t[p + "self_attn.o_proj.weight"].t()
        n2 = rms_norm(x, t[p + "post_attention_layernorm.weight"], c["eps"])
        g = n2 @ t[p + "mlp.gate_proj.weight"].t()
        u = n2 @ t[p + "mlp.up_proj.weight"].t()
        x = x + (F.silu(g) * u) @ t[p + "mlp.down_proj.weight"].t()
    h = rms_norm(x, t["model.norm.weight"], c["eps"])
    head = t.get("lm_head.weight", t["model.embed_tokens.weight"]) if not c["tied"] else t["model.embed_tokens.weight"]
    nll = torch.empty(L - 1, dtype=torch.float64)
    for s in range(0, L - 1, QUERY_BLOCK):
        e = min(L - 1, s + QUERY_BLOCK)
        logp = torch.log_softmax(h[s:e] @ head.t(), dim=-1)
        nll[s:e] = -logp.gather(1, ids[s + 1:e + 1].unsqueeze(1)).squeeze(1).double()
    return nll


def flops(c, L):
    qd, kvd = c["heads"] * c["head_dim"], c["kv_heads"] * c["head_dim"]
    per_layer = 2.0 * c["hidden"] * (qd + 2 * kvd + qd + 3 * c["inter"])
    per_token = c["layers"] * per_layer + 2.0 * c["hidden"] * c["vocab"]
    return L * per_token + c["layers"] * 2.0 * c["heads"] * c["head_dim"] * L * (L + 1.0)


def concatenated_sample(docs, L):
    out = []
    i = 0
    while len(out) < L:
        out.extend(docs[i % len(docs)][: L - len(out)])
        i += 1
    return out


def peak_rss_bytes():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def bench_gemm(M, K, N, repeats):
    g = torch.Generator().manual_seed(42)
    a = torch.rand(M, K, generator=g) - 0.5
    w = torch.rand(N, K, generator=g) - 0.5
    torch.matmul(a, w.t())
    best = float("inf")
    for _ in range(max(2, repeats)):
        s = time.perf_counter()
        torch.matmul(a, w.t())
        best = min(best, time.perf_counter() - s)
    return {"m": M, "k": K, "n": N, "d_type": "F32", "seconds": best, "gflop_per_second": 2.0 * M * N * K / best / 1e9}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("checkpoint")
    ap.add_argument("data")
    ap.add_argument("--lengths", default="2048,8192,32768")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=2)
    ap.add_argument("--gemm-rows", type=int, default=512)
    ap.add_argument("--json")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    c, t = random_model() if a.checkpoint == "random" else load_checkpoint(a.checkpoint)
    names = sorted(f for f in os.listdir(a.data) if not f.startswith(".") and os.path.isfile(os.path.join(a.data, f)))
    docs = [list(open(os.path.join(a.data, f), "rb").read()) for f in names]
    result = {"model": a.checkpoint, "torch": torch.__version__, "threads": a.threads,
              "sdpa": hasattr(F, "scaled_dot_product_attention"), "lengths": [], "gemm": []}
    with torch.no_grad():
        for L in [int(x) for x in a.lengths.split(",")]:
            tokens = concatenated_sample(docs, L)
            best, nll = float("inf"), None
            for _ in range(max(1, a.repeats)):
                s = time.perf_counter()
                nll = forward_nll(c, t, tokens)
                best = min(best, time.perf_counter() - s)
            gf = flops(c, L) / 1e9
            row = {"length": L, "seconds": best, "tokens_per_second": L / best, "gflop": gf,
                   "gflop_per_second": gf / best, "peak_memory_bytes": peak_rss_bytes(), "mean_nll": float(nll.mean())}
            print(f"L={L}: {row['tokens_per_second']:.0f} tokens/s, {row['gflop_per_second']:.1f} GFLOP/s, "
                  f"peak {row['peak_memory_bytes'] / 2**20:.0f} MiB, mean nll {row['mean_nll']:.4f}", flush=True)
            result["lengths"].append(row)
        if a.gemm_rows > 0:
            for K, N in [(4096, 4096), (4096, 11008)]:
                g = bench_gemm(a.gemm_rows, K, N, a.repeats)
                print(f"GEMM {a.gemm_rows}x{K}->{N} F32: {g['gflop_per_second']:.1f} GFLOP/s", flush=True)
                result["gemm"].append(g)
    if a.json:
        tmp = a.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(result, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, a.json)


if __name__ == "__main__":
    sys.exit(main())
