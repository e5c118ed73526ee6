#!/usr/bin/python3
"""Writes the numeric reference fixtures used by the C# tests.

    /usr/bin/python3 tools/make_fixtures.py              # everything (needs models/tiny-brown)
    /usr/bin/python3 tools/make_fixtures.py --skip-tiny  # only random models + rope baselines

Outputs (all under tests/fixtures/):
  models/<name>/        small random checkpoints (config.json + safetensors), fixed seeds
  data/ids/             pre-tokenized documents (*.ids) for the vocab-300 model
  nll/<case>.json       float64 reference NLLs from tools/torch_llama.py (explicit factor sets, or a model's own
                        rope_scaling "as published")
  rope/baselines.json   lambda vectors of classic RoPE scaling methods (HF formulas re-derived)
  rope/published.json   checkpoints' own RoPE scalings (config.json) as factor sets at several lengths

Paths inside the JSON files are relative to the repository root.
"""

import argparse
import json
import math
import os
import random
import sys

import torch

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(TOOLS_DIR)
sys.path.insert(0, TOOLS_DIR)
import torch_llama as tl  # noqa: E402
from safetensors_io import tensor_bytes, write_safetensors  # noqa: E402

FIX = os.path.join(REPO_DIR, "tests", "fixtures")
TINY = "models/tiny-brown"
VALIDATION = "datasets/validation"


def rel(path):
    return os.path.relpath(path, REPO_DIR).replace(os.sep, "/")


# ---------------------------------------------------------------------------
# Random models


ARCHITECTURES = {"llama": "LlamaForCausalLM", "qwen2": "Qwen2ForCausalLM", "mistral": "MistralForCausalLM",
                 "phi3": "Phi3ForCausalLM"}


def model_config(model_type="llama", vocab=256, hidden=32, inter=96, layers=2, heads=2, kv=2, head_dim=16,
                 theta=10000.0, eps=1e-5, max_pos=64, tie=False, attn_bias=False, torch_dtype="float32", **extra):
    """A config.json dict; `extra` keys (sliding_window, rope_scaling, partial_rotary_factor, ...) are added last."""
    c = {
        "architectures": [ARCHITECTURES[model_type]],
        "model_type": model_type,
        "vocab_size": vocab,
        "hidden_size": hidden,
        "intermediate_size": inter,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "num_key_value_heads": kv,
        "head_dim": head_dim,
        "hidden_act": "silu",
        "max_position_embeddings": max_pos,
        "rms_norm_eps": eps,
        "rope_theta": theta,
        "rope_scaling": None,
        "tie_word_embeddings": tie,
        "bos_token_id": None,
        "eos_token_id": None,
        "torch_dtype": torch_dtype,
    }
    if model_type == "llama":
        c["attention_bias"] = attn_bias
        c["mlp_bias"] = False
    for k, v in extra.items():
        if v is None and k == "rope_theta":
            del c[k]
        else:
            c[k] = v
    return c


def random_tensors(c, seed, std=0.06, qk_std=0.2, bias_std=0.05, embed_std=None):
    """Deterministic random weights; norms uniform in [0.5, 1.5]."""
    g = torch.Generator().manual_seed(seed)

    def mat(rows, cols, s):
        return torch.randn(rows, cols, generator=g, dtype=torch.float32) * s

    def vec(n, s):
        return torch.randn(n, generator=g, dtype=torch.float32) * s

    def norm(n):
        return torch.rand(n, generator=g, dtype=torch.float32) + 0.5

    H, I, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    nh, nkv, hd = c["num_attention_heads"], c["num_key_value_heads"], c["head_dim"]
    qkv_bias = c["model_type"] == "qwen2" or c.get("attention_bias", False)
    o_bias = c["model_type"] == "llama" and c.get("attention_bias", False)
    if embed_std is None:
        embed_std = 0.25 if c["tie_word_embeddings"] else 1.0
    t = {"model.embed_tokens.weight": mat(V, H, embed_std)}
    for i in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % i
        t[p + "input_layernorm.weight"] = norm(H)
        t[p + "self_attn.q_proj.weight"] = mat(nh * hd, H, qk_std)
        t[p + "self_attn.k_proj.weight"] = mat(nkv * hd, H, qk_std)
        t[p + "self_attn.v_proj.weight"] = mat(nkv * hd, H, std * 2)
        t[p + "self_attn.o_proj.weight"] = mat(H, nh * hd, std * 2)
        if qkv_bias:
            t[p + "self_attn.q_proj.bias"] = vec(nh * hd, bias_std)
            t[p + "self_attn.k_proj.bias"] = vec(nkv * hd, bias_std)
            t[p + "self_attn.v_proj.bias"] = vec(nkv * hd, bias_std)
        if o_bias:
            t[p + "self_attn.o_proj.bias"] = vec(H, bias_std)
        t[p + "post_attention_layernorm.weight"] = norm(H)
        t[p + "mlp.gate_proj.weight"] = mat(I, H, std * 2)
        t[p + "mlp.up_proj.weight"] = mat(I, H, std * 2)
        t[p + "mlp.down_proj.weight"] = mat(H, I, std * 2)
    t["model.norm.weight"] = norm(H)
    if not c["tie_word_embeddings"]:
        t["lm_head.weight"] = mat(V, H, 0.15)
    if c["model_type"] == "phi3":
        # Phi-3 stores q|k|v as one qkv_proj and gate|up as one gate_up_proj (rows concatenated in that order).
        for i in range(c["num_hidden_layers"]):
            p = "model.layers.%d." % i
            t[p + "self_attn.qkv_proj.weight"] = torch.cat([t.pop(p + "self_attn.%s_proj.weight" % x) for x in "qkv"], 0)
            t[p + "mlp.gate_up_proj.weight"] = torch.cat([t.pop(p + "mlp.gate_proj.weight"), t.pop(p + "mlp.up_proj.weight")], 0)
    return t


def save_model(name, c, tensors, dtype="F32", shards=1):
    d = os.path.join(FIX, "models", name)
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        os.remove(os.path.join(d, old))
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
        f.write("\n")
    if shards == 1:
        write_safetensors(os.path.join(d, "model.safetensors"), tensors, dtype, metadata={"format": "pt"})
    else:
        names = list(tensors)
        per = math.ceil(len(names) / shards)
        weight_map = {}
        total = 0
        for s in range(shards):
            fname = "model-%05d-of-%05d.safetensors" % (s + 1, shards)
            part = {n: tensors[n] for n in names[s * per:(s + 1) * per]}
            write_safetensors(os.path.join(d, fname), part, dtype, metadata={"format": "pt"})
            for n in part:
                weight_map[n] = fname
                total += len(tensor_bytes(part[n], dtype))
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f, indent=2)
            f.write("\n")
    return rel(d)


# ---------------------------------------------------------------------------
# Fixture cases


def monotone_factors(n, lo, hi, seed):
    rng = random.Random(seed)
    return sorted(rng.uniform(lo, hi) for _ in range(n))


def write_case(case, model_dir, data, length, samples, fs, dtype_note):
    """fs: a FactorSet, or tl.AS_PUBLISHED for the model's own rope_scaling (then "factors" is the string
    "as published" and "published" holds that scaling at this length as lambda / attention factor)."""
    m = tl.RefModel(os.path.join(REPO_DIR, model_dir))
    r = tl.evaluate(m, os.path.join(REPO_DIR, data), length, samples, fs)
    out = {
        "name": case,
        "model": model_dir,
        "data": data,
        "length": length,
        "samples": samples,
        "documents": [rel(p) for p in r["documents"]],
        "factors": fs if fs == tl.AS_PUBLISHED else fs.to_json(),
        "per_sample_nll": r["per_sample_nll"],
        "per_token_nll": r["per_token_nll"],
        "mean_nll": r["mean_nll"],
        "ppl": r["ppl"],
        "torch_version": torch.__version__,
        "dtype_note": dtype_note,
    }
    if fs == tl.AS_PUBLISHED:
        pub = tl.published_factors(m.config, length)
        out["published"] = {"rope_type": tl.rope_type(m.config), "factors": pub.factors, "attention_factor": pub.attention_factor}
    d = os.path.join(FIX, "nll")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, case + ".json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("%-28s L=%-5d K=%d mean_nll %.6f ppl %.4f  %s" % (case, length, samples, r["mean_nll"], r["ppl"],
                                                           [os.path.basename(p) for p in r["documents"]]))


def write_ids_data():
    """Pre-tokenized documents for the vocab-300 model. Ordinal name order is
    B.ids < Z.ids < a.ids (a culture-aware sort would give a, B, Z). Z.ids is shorter than 64
    tokens and must be skipped; .hidden.ids must be ignored (name starts with '.')."""
    d = os.path.join(FIX, "data", "ids")
    os.makedirs(d, exist_ok=True)
    for old in os.listdir(d):
        os.remove(os.path.join(d, old))
    rng = random.Random(300)
    docs = {"B.ids": 90, "Z.ids": 40, "a.ids": 77, ".hidden.ids": 100}
    for name, n in docs.items():
        ids = [rng.randrange(300) for _ in range(n)]
        lines = [" ".join(str(x) for x in ids[i:i + 16]) for i in range(0, n, 16)]
        with open(os.path.join(d, name), "w", newline="\n") as f:
            f.write("\n".join(lines) + "\n")
    return rel(d)


def random_cases():
    F32 = "weights stored as F32; reference forward and NLL accumulation in float64"

    # e: grouped-query attention
    c = model_config(hidden=64, inter=96, layers=2, heads=4, kv=2, head_dim=16)
    md = save_model("gqa", c, random_tensors(c, seed=101))
    fs = tl.FactorSet(monotone_factors(8, 1.0, 6.0, seed=5), n_hat=16, attention_factor=1.15)
    write_case("e-gqa", md, VALIDATION, 128, 2, fs, F32)

    # f: bfloat16 storage
    c = model_config(torch_dtype="bfloat16")
    t = {k: v.to(torch.bfloat16) for k, v in random_tensors(c, seed=102).items()}
    md = save_model("bf16", c, t, dtype="BF16")
    fs = tl.FactorSet(monotone_factors(8, 1.0, 3.0, seed=6), n_hat=0, attention_factor=1.0)
    write_case("f-bf16", md, VALIDATION, 128, 2, fs,
               "weights stored as BF16; reference uses the exact bf16 values converted to float64")

    # g: tied embeddings, vocab 300, pre-tokenized data
    c = model_config(vocab=300, tie=True)
    md = save_model("tied-vocab300", c, random_tensors(c, seed=103))
    data = write_ids_data()
    fs = tl.FactorSet([1.5] * 8, n_hat=4, attention_factor=1.0)
    write_case("g-tied-ids", md, data, 64, 2, fs, F32 + "; lm_head = embed_tokens (tied)")

    # h: sharded, float16
    c = model_config(torch_dtype="float16")
    t = {k: v.to(torch.float16) for k, v in random_tensors(c, seed=104).items()}
    md = save_model("sharded-f16", c, t, dtype="F16", shards=2)
    fs = tl.FactorSet(monotone_factors(8, 1.0, 4.0, seed=7), n_hat=32, attention_factor=1.0)
    write_case("h-sharded-f16", md, VALIDATION, 128, 2, fs,
               "weights stored as F16 in 2 shards; reference uses the exact f16 values converted to float64")

    # i: llama with attention_bias (q, k, v, o biases)
    c = model_config(attn_bias=True)
    md = save_model("llama-attn-bias", c, random_tensors(c, seed=105))
    fs = tl.FactorSet([2.0] * 8, n_hat=0, attention_factor=1.0)
    write_case("i-llama-attn-bias", md, VALIDATION, 64, 2, fs, F32 + "; q/k/v/o biases")

    # i: qwen2 (q, k, v biases; no o bias)
    c = model_config(model_type="qwen2", theta=1000000.0, eps=1e-6)
    md = save_model("qwen2", c, random_tensors(c, seed=106))
    fs = tl.FactorSet(monotone_factors(8, 1.0, 2.5, seed=8), n_hat=8, attention_factor=1.05)
    write_case("i-qwen2", md, VALIDATION, 64, 2, fs, F32 + "; qwen2: q/k/v biases, no o bias")

    # j: explicit head_dim different from hidden_size / num_attention_heads
    c = model_config(hidden=48, inter=96, heads=4, kv=4, head_dim=16)
    md = save_model("head-dim-override", c, random_tensors(c, seed=107))
    fs = tl.FactorSet.identity(8)
    write_case("j-head-dim-override", md, VALIDATION, 64, 2, fs,
               F32 + "; head_dim 16 with hidden 48 and 4 heads (q_proj is [64, 48])")

    # k: `data` naming a single file instead of a directory (GQA model from case e)
    fs = tl.FactorSet([3.0] * 8, n_hat=0, attention_factor=1.0)
    write_case("k-single-file", rel(os.path.join(FIX, "models", "gqa")), VALIDATION + "/doc005.txt", 256, 1, fs,
               F32 + "; data is one file")


# Sharper random models for the family and scaling cases: larger q/k weights make attention peaked, so positions (the
# rotary angles, the window's edge) move the NLL well beyond the 1e-4 tolerance; larger v/o weights let attention
# carry more of the output.
SHARP = {"std": 0.15, "qk_std": 0.6}


def family_cases():
    """Families besides Llama: sliding windows (samples longer than the window), Phi-3's fused weights, partial rotary."""
    F32 = "weights stored as F32; reference forward and NLL accumulation in float64"

    # l: mistral, a window of 6 keys on every layer (small, so one key more or less moves the NLL), samples of 300
    # tokens (windows across 128-key tiles and query blocks in the fast kernel)
    c = model_config(model_type="mistral", hidden=32, heads=4, kv=2, head_dim=16, max_pos=512, sliding_window=6)
    md = save_model("mistral-window", c, random_tensors(c, seed=110, **SHARP))
    fs = tl.FactorSet(monotone_factors(8, 1.0, 4.0, seed=10), n_hat=0, attention_factor=1.1)
    write_case("l-mistral-window", md, VALIDATION, 300, 2, fs, F32 + "; mistral sliding_window 6 < L = 300")

    # m: qwen2 with use_sliding_window on the layers from max_window_layers = 1 on (layer 1 windowed by 5, layer 0 global)
    c = model_config(model_type="qwen2", hidden=32, heads=2, kv=1, head_dim=16, max_pos=256, theta=1000000.0,
                     use_sliding_window=True, sliding_window=5, max_window_layers=1)
    md = save_model("qwen2-window-layers", c, random_tensors(c, seed=111, **SHARP))
    fs = tl.FactorSet(monotone_factors(8, 1.0, 3.0, seed=11), n_hat=4, attention_factor=1.0)
    write_case("m-qwen2-window-layers", md, VALIDATION, 200, 2, fs, F32 + "; qwen2 window 5 on layer 1 only")

    # n: phi3, fused qkv/gate_up, partial_rotary_factor 0.5 (rotary dim 8 of 16: 4 factors), sliding_window 100
    c = model_config(model_type="phi3", hidden=32, heads=4, kv=2, head_dim=16, max_pos=256,
                     original_max_position_embeddings=256, partial_rotary_factor=0.5, sliding_window=100)
    md = save_model("phi3-partial", c, random_tensors(c, seed=112, **SHARP))
    fs = tl.FactorSet(monotone_factors(4, 1.0, 5.0, seed=12), n_hat=8, attention_factor=1.1)
    write_case("n-phi3-partial", md, VALIDATION, 160, 2, fs,
               F32 + "; phi3 fused qkv_proj/gate_up_proj, partial_rotary_factor 0.5, sliding_window 100")


def scaling_cases():
    """Checkpoints with their own rope_scaling, scored as published (transformers v5 formulas in torch_llama.py)."""
    F32 = "weights stored as F32; the model's own RoPE scaling in float64 (transformers computes inv_freq in float32)"
    pub = tl.AS_PUBLISHED

    # o: phi3 longrope, partial rotary 0.75 (12 of 16 dims: 6 factors), L0 32, max 128, no factor/attention_factor
    # (attention factor sqrt(1 + ln 4 / ln 32)); short factors at L = 32, long ones at L = 100
    rng = random.Random(13)
    c = model_config(model_type="phi3", hidden=32, heads=2, kv=1, head_dim=16, max_pos=128,
                     original_max_position_embeddings=32, partial_rotary_factor=0.75,
                     rope_scaling={"type": "longrope", "short_factor": [round(rng.uniform(1.0, 1.5), 4) for _ in range(6)],
                                   "long_factor": [round(rng.uniform(1.0, 8.0), 4) for _ in range(6)]})
    md = save_model("phi3-longrope", c, random_tensors(c, seed=113, **SHARP))
    write_case("o-phi3-longrope-short", md, VALIDATION, 32, 2, pub, F32 + "; phi3 longrope, L = L0: short factors")
    write_case("o-phi3-longrope-long", md, VALIDATION, 100, 2, pub, F32 + "; phi3 longrope, L > L0: long factors")

    # p: llama linear factor 4
    c = model_config(max_pos=256, rope_scaling={"type": "linear", "factor": 4.0})
    md = save_model("llama-linear", c, random_tensors(c, seed=114, **SHARP))
    write_case("p-llama-linear", md, VALIDATION, 128, 2, pub, F32 + "; rope_scaling linear factor 4")

    # q: llama dynamic NTK factor 2 over max_position_embeddings 64: the base grows at L = 160, plain RoPE at L = 48
    c = model_config(max_pos=64, rope_scaling={"rope_type": "dynamic", "factor": 2.0})
    md = save_model("llama-dynamic", c, random_tensors(c, seed=115, **SHARP))
    write_case("q-llama-dynamic", md, VALIDATION, 160, 2, pub, F32 + "; rope_scaling dynamic factor 2, L > max_position_embeddings")
    write_case("q-llama-dynamic-short", md, VALIDATION, 48, 2, pub, F32 + "; rope_scaling dynamic, L <= max_position_embeddings")

    # r: llama yarn factor 4 over original 32 (defaults: beta 32/1, truncate, attention 0.1 ln 4 + 1)
    c = model_config(max_pos=128, rope_scaling={"rope_type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32})
    md = save_model("llama-yarn", c, random_tensors(c, seed=116, **SHARP))
    write_case("r-llama-yarn", md, VALIDATION, 128, 2, pub, F32 + "; rope_scaling yarn factor 4, L0 32")

    # r: yarn in transformers v5's rope_parameters with every option: its own rope_theta, beta_fast/slow, no
    # truncation, mscale / mscale_all_dim attention factor
    c = model_config(max_pos=64, theta=None, rope_parameters={
        "rope_type": "yarn", "rope_theta": 5000.0, "factor": 8.0, "original_max_position_embeddings": 24, "beta_fast": 16.0,
        "beta_slow": 2.0, "truncate": False, "mscale": 1.2, "mscale_all_dim": 0.8})
    md = save_model("llama-yarn-params", c, random_tensors(c, seed=117, **SHARP))
    write_case("r-llama-yarn-params", md, VALIDATION, 100, 2, pub, F32 + "; rope_parameters yarn with every option")

    # s: llama3 factor 8, low/high 1/4 over original 32; rope_theta 100 puts pair 0 in the kept band, pairs 1-2 in the
    # smoothed one and the rest in the scaled one, all turning enough over 256 tokens to matter
    c = model_config(max_pos=256, theta=100.0, rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                "high_freq_factor": 4.0, "original_max_position_embeddings": 32})
    md = save_model("llama-llama3", c, random_tensors(c, seed=118, **SHARP))
    write_case("s-llama-llama3", md, VALIDATION, 256, 2, pub, F32 + "; rope_scaling llama3 factor 8, L0 32, rope_theta 100")

    # t: qwen2 (q/k/v biases) with a Qwen2.5-style yarn rope_scaling
    c = model_config(model_type="qwen2", max_pos=32, theta=1000000.0,
                     rope_scaling={"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32})
    md = save_model("qwen2-yarn", c, random_tensors(c, seed=119, **SHARP))
    write_case("t-qwen2-yarn", md, VALIDATION, 128, 2, pub, F32 + "; qwen2 rope_scaling yarn factor 4, L0 32")


def published_rope():
    """rope/published.json: configs with their own RoPE scaling and the factor sets transformers' formulas give at
    several lengths (the C# reader and PublishedScaling are checked against them)."""
    rng = random.Random(21)

    def cfg(model_type="llama", head_dim=64, heads=4, theta=10000.0, max_pos=4096, **extra):
        c = {"model_type": model_type, "vocab_size": 16, "hidden_size": head_dim * heads, "intermediate_size": 8,
             "num_hidden_layers": 1, "num_attention_heads": heads, "head_dim": head_dim, "rms_norm_eps": 1e-5,
             "max_position_embeddings": max_pos}
        if theta is not None:
            c["rope_theta"] = theta
        c.update(extra)
        return c

    def factors(n, lo, hi):
        return [round(rng.uniform(lo, hi), 6) for _ in range(n)]

    cases = [
        ("linear", cfg(rope_scaling={"type": "linear", "factor": 4.0}), [100, 20000]),
        ("dynamic", cfg(rope_scaling={"rope_type": "dynamic", "factor": 2.0}), [2048, 4096, 4097, 10000, 65536]),
        ("yarn qwen2.5", cfg("qwen2", head_dim=128, theta=1000000.0, max_pos=32768,
                             rope_scaling={"type": "yarn", "factor": 4.0, "original_max_position_embeddings": 32768}), [131072]),
        ("yarn mscale equal", cfg(head_dim=64, max_pos=163840, rope_scaling={
            "type": "yarn", "factor": 40, "mscale": 1.0, "mscale_all_dim": 1.0, "beta_fast": 32, "beta_slow": 1,
            "original_max_position_embeddings": 4096}), [8192]),
        ("yarn mscale", cfg(head_dim=64, rope_scaling={"type": "yarn", "factor": 16, "mscale": 0.707, "mscale_all_dim": 1.0}), [8192]),
        ("yarn options", cfg(head_dim=128, theta=500000.0, max_pos=65536, rope_scaling={
            "rope_type": "yarn", "factor": 16.0, "beta_fast": 16, "beta_slow": 2, "truncate": False, "attention_factor": 1.3,
            "original_max_position_embeddings": 4096}), [65536]),
        ("yarn beta zero", cfg(head_dim=64, rope_scaling={"rope_type": "yarn", "factor": 2.0, "beta_fast": 0, "beta_slow": 0}), [1000]),
        ("yarn rope_parameters theta", cfg(head_dim=64, theta=10000.0, rope_parameters={
            "rope_type": "yarn", "rope_theta": 1000000.0, "factor": 8.0, "original_max_position_embeddings": 2048}), [16384]),
        ("empty rope_scaling, rope_parameters", cfg(head_dim=64, rope_scaling={}, rope_parameters={
            "rope_type": "linear", "factor": 3.0}), [5000]),
        ("llama3.1", cfg(head_dim=128, theta=500000.0, max_pos=131072, rope_scaling={
            "rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 8192}), [131072]),
        ("llama3 top-level original wins", cfg(head_dim=128, theta=500000.0, max_pos=131072, original_max_position_embeddings=4096,
                                               rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                                             "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}), [131072]),
        ("phi3 longrope", cfg("phi3", head_dim=96, heads=32, max_pos=131072, original_max_position_embeddings=4096,
                              rope_scaling={"type": "longrope", "short_factor": factors(48, 1.0, 1.2),
                                            "long_factor": factors(48, 1.0, 60.0)}), [4000, 4096, 4097, 131072]),
        ("phi3 partial longrope factor", cfg("phi3", head_dim=128, heads=24, max_pos=131072, original_max_position_embeddings=4096,
                                             partial_rotary_factor=0.75,
                                             rope_scaling={"type": "longrope", "factor": 32.0, "short_factor": factors(48, 1.0, 1.2),
                                                           "long_factor": factors(48, 1.0, 40.0)}), [4096, 8192]),
        ("phi3 su, attention_factor, default original 4096", cfg("phi3", head_dim=32, heads=2, max_pos=16384, rope_scaling={
            "type": "su", "attention_factor": 1.25, "original_max_position_embeddings": 1000,
            "short_factor": factors(16, 1.0, 1.1), "long_factor": factors(16, 1.0, 9.0)}), [3000, 5000]),
    ]
    out = []
    for name, c, lengths in cases:
        expected = []
        for L in lengths:
            fs = tl.published_factors(c, L)
            expected.append({"length": L, "lambda": fs.factors, "attention_factor": fs.attention_factor})
        t = tl.rope_type(c)
        out.append({"name": name, "config": c, "rope_type": t, "rotary_dim": tl.rotary_dim_of(c), "rope_theta": tl.rope_theta(c),
                    "original_length": tl.original_length(c) if t in ("yarn", "llama3", "longrope") else None,
                    "expected": expected})
    d = os.path.join(FIX, "rope")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "published.json"), "w") as f:
        json.dump({"description": "Checkpoints' own RoPE scalings (config.json rope_scaling / rope_parameters) as factor sets "
                                  "lambda_i = theta_i / theta'_i with transformers v5's inverse frequencies theta'_i and "
                                  "attention scaling, computed in float64 by tools/torch_llama.py published_inv_freq().",
                   "cases": out}, f, indent=1)
        f.write("\n")
    print("rope/published.json: %d configs" % len(out))


def tiny_cases():
    path = os.path.join(REPO_DIR, TINY, "config.json")
    if not os.path.isfile(path):
        sys.exit("missing %s: train it first (tools/train_tiny.py) or pass --skip-tiny" % path)
    F32 = "tiny-brown weights stored as F32; reference forward and NLL accumulation in float64"
    ident = tl.FactorSet.identity(32)
    write_case("a-tiny-brown-256", TINY, VALIDATION, 256, 4, ident, F32)
    write_case("b-tiny-brown-1024", TINY, VALIDATION, 1024, 2, ident, F32)
    write_case("c-tiny-brown-linear8-2048", TINY, VALIDATION, 2048, 2, tl.FactorSet([8.0] * 32), F32)
    fs = tl.FactorSet(monotone_factors(32, 1.0, 10.0, seed=4), n_hat=8, attention_factor=1.2)
    write_case("d-tiny-brown-longrope-1024", TINY, VALIDATION, 1024, 2, fs, F32)
    import train_tiny
    if train_tiny.refresh_card():
        print("refreshed %s/README.md" % TINY)


# ---------------------------------------------------------------------------
# Classic RoPE scaling baselines (re-derived Hugging Face modeling_rope_utils formulas)


def inv_freq_base(d, base):
    return [base ** (-2.0 * i / d) for i in range(d // 2)]


def lambdas(theta, theta_new):
    return [a / b for a, b in zip(theta, theta_new)]


def yarn(d, base, L0, s, beta_fast=32.0, beta_slow=1.0):
    def corr_dim(num_rot):
        return d * math.log(L0 / (num_rot * 2 * math.pi)) / (2 * math.log(base))

    low = max(math.floor(corr_dim(beta_fast)), 0)
    high = min(math.ceil(corr_dim(beta_slow)), d - 1)
    lo, hi = float(low), float(high)
    if lo == hi:
        hi += 0.001
    theta = inv_freq_base(d, base)
    new = []
    for i, th in enumerate(theta):
        ramp = min(1.0, max(0.0, (i - lo) / (hi - lo)))
        extrap_mask = 1.0 - ramp
        new.append((th / s) * (1.0 - extrap_mask) + th * extrap_mask)
    return {"beta_fast": beta_fast, "beta_slow": beta_slow, "low": low, "high": high,
            "attention_factor": 0.1 * math.log(s) + 1.0, "lambda": lambdas(theta, new)}


def llama3(d, base, L0, s, low_ff=1.0, high_ff=4.0):
    theta = inv_freq_base(d, base)
    low_wl = L0 / low_ff
    high_wl = L0 / high_ff
    new = []
    for th in theta:
        wl = 2 * math.pi / th
        if wl > low_wl:
            new.append(th / s)
        elif wl < high_wl:
            new.append(th)
        else:
            smooth = (L0 / wl - low_ff) / (high_ff - low_ff)
            new.append((1 - smooth) * th / s + smooth * th)
    return {"low_freq_factor": low_ff, "high_freq_factor": high_ff, "original_max_position_embeddings": L0,
            "lambda": lambdas(theta, new)}


def base_change(d, base, new_base):
    return {"base": new_base, "lambda": lambdas(inv_freq_base(d, base), inv_freq_base(d, new_base))}


def critical_dimension(d, base, L0):
    theta = inv_freq_base(d, base)
    first = next((i for i, th in enumerate(theta) if 2 * math.pi / th > L0), None)
    d_extra = 2 * math.ceil((d / 2) * math.log(L0 / (2 * math.pi)) / math.log(base))
    return {"head_dim": d, "rope_theta": base, "original_max_position_embeddings": L0,
            "first_pair_period_exceeds_L0": first,
            "first_pair_period": None if first is None else 2 * math.pi / theta[first],
            "d_extra": d_extra, "d_extra_pairs": d_extra // 2}


FORMULAS = {
    "notation": "d = head_dim, i = pair index in [0, d/2), base = rope_theta, L0 = original_max_position_embeddings, "
                "s = scaling factor. theta_i = base^(-2i/d) (float64). Every method yields new inverse "
                "frequencies theta'_i; the reported vector is lambda_i = theta_i / theta'_i (so the rotary angle "
                "at position p is p * theta_i / lambda_i).",
    "linear": "theta'_i = theta_i / s  =>  lambda_i = s",
    "ntk": "static NTK-aware base change: base' = base * s^(d/(d-2)); theta'_i = base'^(-2i/d)",
    "dynamic_ntk": "HF 'dynamic' at sequence length seq_len (> L0): base' = base * ((s*seq_len/L0) - (s-1))^(d/(d-2)); "
                   "theta'_i = base'^(-2i/d); reported for seq_len = s*L0",
    "yarn": "find_correction_dim(r) = d*ln(L0/(r*2*pi)) / (2*ln(base)); low = max(floor(fcd(beta_fast)), 0), "
            "high = min(ceil(fcd(beta_slow)), d-1), beta_fast = 32, beta_slow = 1; if low == high then high += 0.001; "
            "ramp_i = clamp((i - low)/(high - low), 0, 1); extrapolation mask m_i = 1 - ramp_i; "
            "theta'_i = (theta_i/s)*(1 - m_i) + theta_i*m_i; attention_factor = 0.1*ln(s) + 1 (applied to cos and sin)",
    "llama3": "low_freq_factor 1, high_freq_factor 4; wavelen_i = 2*pi/theta_i; wavelen > L0/low -> theta_i/s; "
              "wavelen < L0/high -> theta_i; else smooth = (L0/wavelen - low)/(high - low), "
              "theta'_i = (1 - smooth)*theta_i/s + smooth*theta_i",
    "critical_dimension": "first_pair_period_exceeds_L0 = smallest i with 2*pi/theta_i > L0 (null if none); "
                          "d_extra = 2*ceil((d/2)*log_base(L0/(2*pi))) (Liu et al., 'Scaling Laws of RoPE-based "
                          "Extrapolation'), d_extra_pairs = d_extra/2",
}


def baselines():
    cases = []
    for d in (64, 128):
        for base in (10000.0, 500000.0):
            for L0 in (4096, 256):
                for s in (8.0, 32.0):
                    seq = int(s * L0)
                    cases.append({
                        "head_dim": d, "rope_theta": base, "original_max_position_embeddings": L0, "factor": s,
                        "inv_freq": inv_freq_base(d, base),
                        "linear": {"lambda": [s] * (d // 2)},
                        "ntk": base_change(d, base, base * s ** (d / (d - 2))),
                        "dynamic_ntk": dict(seq_len=seq, **base_change(
                            d, base, base * ((s * seq / L0) - (s - 1)) ** (d / (d - 2)))),
                        "yarn": yarn(d, base, L0, s),
                        "llama3": llama3(d, base, L0, s),
                    })
    crit = [critical_dimension(d, base, L0) for d in (64, 128) for base in (10000.0, 500000.0)
            for L0 in (4096, 256)]
    out = {"description": "Expected LongRoPE-form lambda vectors for classic RoPE scaling methods, computed in "
                          "float64 by tools/make_fixtures.py from independently re-derived Hugging Face "
                          "transformers modeling_rope_utils formulas.",
           "formulas": FORMULAS, "cases": cases, "critical_dimension": crit}
    d = os.path.join(FIX, "rope")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "baselines.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")
    print("rope/baselines.json: %d cases, %d critical-dimension rows" % (len(cases), len(crit)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--skip-tiny", action="store_true", help="skip the tiny-brown cases")
    ap.add_argument("--only-tiny", action="store_true", help="only the tiny-brown cases")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if not args.only_tiny:
        baselines()
        published_rope()
        random_cases()
        family_cases()
        scaling_cases()
    if not args.skip_tiny:
        tiny_cases()


if __name__ == "__main__":
    main()
