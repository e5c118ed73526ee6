#!/usr/bin/python3
"""Independent float64 reference forward for Llama-family checkpoints (Hugging Face layout)
with LongRoPE factor sets, used to make the numeric fixtures under tests/fixtures/.

Library use (tools/make_fixtures.py):
    m = RefModel("models/tiny-brown")
    samples = select_samples("datasets/validation", 1024, 2, m.config["vocab_size"])
    m.sample_nll(samples[0], FactorSet.identity(m.head_dim // 2))

Command line:
    /usr/bin/python3 tools/torch_llama.py --model models/tiny-brown \
        --data datasets/validation --length 1024 --samples 2 [--factors f.json] \
        [--lambda-all 8] [--n-hat 0] [--attention-factor 1] [--dtype float32]

Supported checkpoints: config.json + model.safetensors, or a sharded
model.safetensors.index.json ({"weight_map": {tensor: file}}); tensor dtypes F32/F16/BF16/F64;
model_type llama (optional attention_bias q/k/v/o, optional mlp_bias), qwen2 (q/k/v bias;
use_sliding_window with layer_types or max_window_layers), mistral (no biases; sliding_window,
4096 when absent) and phi3 (fused qkv_proj [q|k|v] and gate_up_proj [gate|up], no biases,
sliding_window as written, partial_rotary_factor); grouped-query attention; tied embeddings
(no lm_head.weight -> model.embed_tokens.weight is used).

Sliding window W (transformers' sliding_window_overlay): query i attends to keys j with
i - W < j <= i, i.e. W keys including itself.

Partial rotary (Phi-3): rotary_dim = int(head_dim * partial_rotary_factor); only q[..., :rotary_dim]
and k[..., :rotary_dim] are rotated (rotate_half within them, pairs (i, i + rotary_dim/2)), with
theta_i = rope_theta ** (-2 i / rotary_dim); a factor set has rotary_dim/2 factors.

A checkpoint's own RoPE scaling ("as published": rope_scaling, else transformers v5's rope_parameters,
rope_type linear / dynamic / yarn / llama3 / longrope) is applied with transformers v5's formulas
(modeling_rope_utils.py), re-derived in published_inv_freq() and computed in float64.

Factor-set semantics (LongRoPE), pair i in [0, head_dim/2), position p:
    theta_i = rope_theta ** (-2 i / head_dim)                        (float64)
    p <  n_hat : angle = p * theta_i,              scale = 1
    p >= n_hat : angle = p * theta_i / lambda_i,   scale = attention_factor
    cos/sin of the angle are multiplied by scale and applied to q and k with the Hugging Face
    rotate_half pairing (dimension i rotates with i + head_dim/2).
Attention is causal with softmax scale 1/sqrt(head_dim). The NLL of a sample of L tokens is the
mean over t = 0..L-2 of -log softmax(logits_t)[x_{t+1}], accumulated in float64.

Sample selection (must match the C# implementation): `data` is a file or a directory. A
directory's documents are its top-level regular files whose names do not start with '.',
sorted by ordinal (byte-wise) name comparison. A document's tokens are whitespace-separated
decimal ids if its name ends in ".ids", otherwise its raw bytes (byte-level models, vocab 256,
only). A document with at least L tokens yields one sample: its first L tokens. The first K such
samples are used.
"""

import argparse
import json
import math
import os
import struct
import sys

import torch

ST_DTYPES = {
    "F64": torch.float64,
    "F32": torch.float32,
    "F16": torch.float16,
    "BF16": torch.bfloat16,
}


# ---------------------------------------------------------------------------
# Loading


def read_safetensors(path):
    """Returns {name: tensor} in the stored dtype (copies; independent of the file)."""
    with open(path, "rb") as f:
        raw = f.read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = ST_DTYPES.get(info["dtype"])
        if dt is None:
            raise ValueError("%s: unsupported dtype %s for %s" % (path, info["dtype"], name))
        b, e = info["data_offsets"]
        buf = bytearray(raw[base + b:base + e])
        shape = info["shape"]
        numel = 1
        for s in shape:
            numel *= s
        if numel == 0:
            out[name] = torch.zeros(shape, dtype=dt)
            continue
        t = torch.frombuffer(buf, dtype=dt)
        if t.numel() != numel:
            raise ValueError("%s: %s has %d elements, shape %s" % (path, name, t.numel(), shape))
        out[name] = t.reshape(shape).clone()
    return out


def load_checkpoint(model_dir):
    """Returns (config dict, {name: tensor}) for a single-file or sharded checkpoint."""
    with open(os.path.join(model_dir, "config.json")) as f:
        config = json.load(f)
    single = os.path.join(model_dir, "model.safetensors")
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.isfile(single):
        tensors = read_safetensors(single)
    elif os.path.isfile(index):
        with open(index) as f:
            weight_map = json.load(f)["weight_map"]
        tensors = {}
        for shard in sorted(set(weight_map.values())):
            part = read_safetensors(os.path.join(model_dir, shard))
            for name, t in part.items():
                if weight_map.get(name) != shard:
                    raise ValueError("tensor %s found in %s but index says %s" % (name, shard, weight_map.get(name)))
                tensors[name] = t
        missing = set(weight_map) - set(tensors)
        if missing:
            raise ValueError("tensors listed in index but missing: %s" % sorted(missing)[:5])
    else:
        raise FileNotFoundError("no model.safetensors or model.safetensors.index.json in %s" % model_dir)
    return config, tensors


# ---------------------------------------------------------------------------
# Factor sets


class FactorSet:
    def __init__(self, factors, n_hat=0, attention_factor=1.0):
        self.factors = [float(x) for x in factors]
        self.n_hat = int(n_hat)
        self.attention_factor = float(attention_factor)
        if any(not (x > 0) for x in self.factors):
            raise ValueError("factors must be positive")
        if self.n_hat < 0:
            raise ValueError("n_hat must be >= 0")

    @staticmethod
    def identity(n_pairs):
        return FactorSet([1.0] * n_pairs, 0, 1.0)

    def to_json(self):
        return {"factors": self.factors, "n_hat": self.n_hat, "attention_factor": self.attention_factor}

    @staticmethod
    def from_json(d):
        return FactorSet(d["factors"], d.get("n_hat", 0), d.get("attention_factor", 1.0))


def inv_freq(head_dim, rope_theta):
    """theta_i = rope_theta ** (-2 i / head_dim), float64 (one libm pow per pair)."""
    return torch.tensor([float(rope_theta) ** (-2.0 * i / head_dim) for i in range(head_dim // 2)],
                        dtype=torch.float64)


def rope_tables(length, head_dim, rope_theta, fs):
    """cos, sin of shape [length, head_dim] (float64) for factor set fs; head_dim is the rotary dim (the whole head,
    or head_dim * partial_rotary_factor)."""
    half = head_dim // 2
    if len(fs.factors) != half:
        raise ValueError("factor set has %d factors, model needs %d" % (len(fs.factors), half))
    theta = inv_freq(head_dim, rope_theta)
    lam = torch.tensor(fs.factors, dtype=torch.float64)
    pos = torch.arange(length, dtype=torch.float64)[:, None]
    ang_orig = pos * theta[None, :]
    ang_scaled = pos * theta[None, :] / lam[None, :]
    use_scaled = (torch.arange(length) >= fs.n_hat)[:, None]
    ang = torch.where(use_scaled, ang_scaled, ang_orig)
    scale = torch.where(use_scaled, torch.tensor(fs.attention_factor, dtype=torch.float64),
                        torch.tensor(1.0, dtype=torch.float64))
    cos = ang.cos() * scale
    sin = ang.sin() * scale
    return torch.cat((cos, cos), dim=-1), torch.cat((sin, sin), dim=-1)


# ---------------------------------------------------------------------------
# Model configuration (the transformers rules, re-derived here independently of the C# reader)

DEFAULT_WINDOW = 4096          # MistralConfig / Qwen2Config sliding_window default (key absent)
QWEN2_MAX_WINDOW_LAYERS = 28   # Qwen2Config max_window_layers default
PHI3_ORIGINAL = 4096           # Phi3Config original_max_position_embeddings default


def rope_params(c):
    """The RoPE parameters dict as transformers v5 picks it: `rope_scaling or rope_parameters` (an empty dict is
    falsy), or {} when neither is set."""
    return c.get("rope_scaling") or c.get("rope_parameters") or {}


def rope_type(c):
    p = rope_params(c)
    t = p.get("rope_type", p.get("type", "default"))
    if c.get("model_type") == "phi3" and t in ("su", "yarn"):
        t = "longrope"  # Phi3Config's backward-compatibility rename
    return t


def rope_theta(c):
    """v5: the dict's rope_theta (setdefault keeps it), else the top-level one, else 10000."""
    p = rope_params(c)
    if p.get("rope_theta") is not None:
        return float(p["rope_theta"])
    return float(c.get("rope_theta", 10000.0) if c.get("rope_theta") is not None else 10000.0)


def head_dim_of(c):
    return c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]


def rotary_dim_of(c):
    """int(head_dim * partial_rotary_factor), the factor from the top level, else the rope dict, else 1."""
    prf = c.get("partial_rotary_factor")
    if prf is None:
        prf = rope_params(c).get("partial_rotary_factor", 1.0)
    return int(head_dim_of(c) * prf)


def original_length(c):
    """original_max_position_embeddings as transformers' standardize_rope_params resolves it for yarn/llama3/longrope:
    a top-level attribute wins (Phi3Config always has one, default 4096), else the dict's, else max_position_embeddings."""
    if "original_max_position_embeddings" in c:
        return c["original_max_position_embeddings"]
    if c.get("model_type") == "phi3":
        return PHI3_ORIGINAL
    return rope_params(c).get("original_max_position_embeddings", c["max_position_embeddings"])


def layer_windows(c):
    """Per layer: the sliding window in keys (query i attends to keys j with i - W < j <= i), or None."""
    n = c["num_hidden_layers"]
    mt = c.get("model_type", "llama")
    if mt == "mistral":
        w = c["sliding_window"] if "sliding_window" in c else DEFAULT_WINDOW
        return [w] * n
    if mt == "phi3":
        return [c.get("sliding_window")] * n
    if mt == "qwen2":
        if not c.get("use_sliding_window", False):
            return [None] * n
        w = c["sliding_window"] if "sliding_window" in c else DEFAULT_WINDOW
        if w is None:
            return [None] * n
        types = c.get("layer_types")
        if types is None:
            first = c.get("max_window_layers", QWEN2_MAX_WINDOW_LAYERS)
            types = ["sliding_attention" if i >= first else "full_attention" for i in range(n)]
        return [w if t == "sliding_attention" else None for t in types]
    return [None] * n


def published_inv_freq(c, seq_len):
    """transformers' (v5) inverse frequencies and attention scaling of the config's own RoPE scaling on a sequence of
    seq_len tokens, in float64. Returns None for rope_type "default"."""
    t = rope_type(c)
    if t == "default":
        return None
    p = rope_params(c)
    base = rope_theta(c)
    dim = rotary_dim_of(c)
    max_pos = c["max_position_embeddings"]
    idx = [2.0 * i / dim for i in range(dim // 2)]
    inv = [1.0 / base ** e for e in idx]
    if t == "linear":
        return [x / p["factor"] for x in inv], 1.0
    if t == "dynamic":
        f = p["factor"]
        n = max(seq_len, max_pos)
        b = base * ((f * n / max_pos) - (f - 1)) ** (dim / (dim - 2))
        return [1.0 / b ** e for e in idx], 1.0
    orig = original_length(c)
    if t == "yarn":
        f = p["factor"]
        af = p.get("attention_factor")
        mscale, mscale_all = p.get("mscale"), p.get("mscale_all_dim")

        def get_mscale(scale, m=1):
            return 1.0 if scale <= 1 else 0.1 * m * math.log(scale) + 1.0

        if af is None:
            af = get_mscale(f, mscale) / get_mscale(f, mscale_all) if (mscale and mscale_all) else get_mscale(f)
        beta_fast = p.get("beta_fast") or 32
        beta_slow = p.get("beta_slow") or 1

        def correction_dim(rot):
            return dim * math.log(orig / (rot * 2 * math.pi)) / (2 * math.log(base))

        lo, hi = correction_dim(beta_fast), correction_dim(beta_slow)
        if p.get("truncate", True):
            lo, hi = math.floor(lo), math.ceil(hi)
        lo, hi = max(lo, 0), min(hi, dim - 1)
        if lo == hi:
            hi += 0.001
        out = []
        for i, x in enumerate(inv):
            extrapolation = 1.0 - min(1.0, max(0.0, (i - lo) / (hi - lo)))
            out.append((x / f) * (1 - extrapolation) + x * extrapolation)
        return out, af
    if t == "llama3":
        f, low, high = p["factor"], p["low_freq_factor"], p["high_freq_factor"]
        out = []
        for x in inv:
            wavelen = 2 * math.pi / x
            if wavelen < orig / high:
                out.append(x)
            elif wavelen > orig / low:
                out.append(x / f)
            else:
                smooth = (orig / wavelen - low) / (high - low)
                out.append((1 - smooth) * x / f + smooth * x)
        return out, 1.0
    if t == "longrope":
        ext = p["long_factor"] if seq_len > orig else p["short_factor"]
        if len(ext) != dim // 2:
            raise ValueError("longrope factors need %d values" % (dim // 2))
        f = p.get("factor")
        if f is None:
            f = max_pos / orig
        af = p.get("attention_factor")
        if af is None:
            af = 1.0 if f <= 1.0 else math.sqrt(1 + math.log(f) / math.log(orig))
        return [1.0 / (e * base ** k) for e, k in zip(ext, idx)], af
    raise ValueError("unsupported rope_type %s" % t)


def published_factors(c, seq_len):
    """The published scaling at seq_len as a LongRoPE factor set: lambda_i = theta_i / theta'_i, n_hat 0."""
    r = published_inv_freq(c, seq_len)
    if r is None:
        return None
    inv, af = r
    base, dim = rope_theta(c), rotary_dim_of(c)
    theta = [base ** (-2.0 * i / dim) for i in range(dim // 2)]
    return FactorSet([a / b for a, b in zip(theta, inv)], 0, af)


# ---------------------------------------------------------------------------
# Model


def _rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def _rope(x, cos, sin):
    """Rotates the first cos.shape[-1] dims of x (rotate_half within them); the rest pass through (Phi-3)."""
    r = cos.shape[-1]
    xr, xp = x[..., :r], x[..., r:]
    return torch.cat((xr * cos + _rotate_half(xr) * sin, xp), dim=-1)


AS_PUBLISHED = "as published"


class RefModel:
    def __init__(self, model_dir, dtype=torch.float64):
        self.model_dir = model_dir
        self.config, raw = load_checkpoint(model_dir)
        self.dtype = dtype
        c = self.config
        self.model_type = c.get("model_type", "llama")
        if self.model_type not in ("llama", "qwen2", "mistral", "phi3"):
            raise ValueError("unsupported model_type %s" % self.model_type)
        self.hidden = c["hidden_size"]
        self.n_layers = c["num_hidden_layers"]
        self.n_heads = c["num_attention_heads"]
        self.n_kv = c.get("num_key_value_heads") or self.n_heads
        self.head_dim = head_dim_of(c)
        self.rotary_dim = rotary_dim_of(c)
        self.rope_theta = rope_theta(c)
        self.eps = float(c.get("rms_norm_eps", 1e-6))
        self.vocab = c["vocab_size"]
        self.windows = layer_windows(c)
        if self.n_heads % self.n_kv:
            raise ValueError("num_attention_heads must be a multiple of num_key_value_heads")
        if self.model_type != "phi3" and self.rotary_dim != self.head_dim:
            raise ValueError("partial rotary embedding only runs in phi3")
        w = {k: v.to(dtype) for k, v in raw.items()}
        if self.model_type == "phi3":
            # Phi3Attention: qkv_proj rows are [q | k | v]; Phi3MLP: gate_up_proj rows are [gate | up].
            q_rows, kv_rows, inter = self.n_heads * self.head_dim, self.n_kv * self.head_dim, c["intermediate_size"]
            for i in range(self.n_layers):
                p = "model.layers.%d." % i
                qkv = w.pop(p + "self_attn.qkv_proj.weight")
                w[p + "self_attn.q_proj.weight"] = qkv[:q_rows]
                w[p + "self_attn.k_proj.weight"] = qkv[q_rows:q_rows + kv_rows]
                w[p + "self_attn.v_proj.weight"] = qkv[q_rows + kv_rows:]
                gu = w.pop(p + "mlp.gate_up_proj.weight")
                w[p + "mlp.gate_proj.weight"] = gu[:inter]
                w[p + "mlp.up_proj.weight"] = gu[inter:]
        # Biases as each family's modeling code builds them (a stray tensor in the checkpoint is ignored).
        qkv_bias = self.model_type == "qwen2" or (self.model_type == "llama" and c.get("attention_bias", False))
        o_bias = self.model_type == "llama" and c.get("attention_bias", False)
        mlp_bias = self.model_type == "llama" and c.get("mlp_bias", False)
        for name in list(w):
            if not name.endswith(".bias"):
                continue
            keep = (qkv_bias and any(x in name for x in ("q_proj", "k_proj", "v_proj"))) or \
                   (o_bias and "o_proj" in name) or (mlp_bias and "mlp." in name)
            if not keep:
                del w[name]
        self.w = w
        if "lm_head.weight" not in self.w:
            self.w["lm_head.weight"] = self.w["model.embed_tokens.weight"]
        self.stored_dtypes = sorted({str(v.dtype).replace("torch.", "") for v in raw.values()})

    def _lin(self, x, prefix):
        y = x @ self.w[prefix + ".weight"].T
        b = self.w.get(prefix + ".bias")
        if b is not None:
            y = y + b
        return y

    def _norm(self, x, weight):
        var = (x * x).mean(-1, keepdim=True)
        return x * torch.rsqrt(var + self.eps) * weight

    def _cos_sin(self, L, fs):
        """cos, sin [L, rotary_dim] for a factor set, or for the model's own scaling when fs is AS_PUBLISHED."""
        if fs == AS_PUBLISHED:
            r = published_inv_freq(self.config, L)
            if r is None:
                return rope_tables(L, self.rotary_dim, self.rope_theta, FactorSet.identity(self.rotary_dim // 2))
            inv, af = r
            ang = torch.arange(L, dtype=torch.float64)[:, None] * torch.tensor(inv, dtype=torch.float64)[None, :]
            cos, sin = ang.cos() * af, ang.sin() * af
            return torch.cat((cos, cos), dim=-1), torch.cat((sin, sin), dim=-1)
        return rope_tables(L, self.rotary_dim, self.rope_theta, fs)

    def logits(self, tokens, fs):
        """tokens: sequence of ints (length L) -> logits [L, vocab] in self.dtype."""
        ids = torch.tensor(list(tokens), dtype=torch.long)
        L = ids.shape[0]
        if int(ids.max()) >= self.vocab or int(ids.min()) < 0:
            raise ValueError("token id out of range")
        cos, sin = self._cos_sin(L, fs)
        cos, sin = cos.to(self.dtype), sin.to(self.dtype)
        pos = torch.arange(L)
        nh, nkv, hd = self.n_heads, self.n_kv, self.head_dim
        x = self.w["model.embed_tokens.weight"][ids]
        for i in range(self.n_layers):
            p = "model.layers.%d." % i
            # masked[q, k]: key k is not visible to query q (future, or outside the window: k <= q - W)
            masked = pos[None, :] > pos[:, None]
            if self.windows[i] is not None:
                masked = masked | (pos[None, :] <= pos[:, None] - self.windows[i])
            h = self._norm(x, self.w[p + "input_layernorm.weight"])
            q = self._lin(h, p + "self_attn.q_proj").view(L, nh, hd).transpose(0, 1)
            k = self._lin(h, p + "self_attn.k_proj").view(L, nkv, hd).transpose(0, 1)
            v = self._lin(h, p + "self_attn.v_proj").view(L, nkv, hd).transpose(0, 1)
            q = _rope(q, cos, sin)
            k = _rope(k, cos, sin)
            group = nh // nkv
            outs = []
            for head in range(nh):
                kv = head // group
                s = (q[head] @ k[kv].T) / math.sqrt(hd)
                s = s.masked_fill(masked, float("-inf"))
                outs.append(torch.softmax(s, dim=-1) @ v[kv])
            a = torch.stack(outs, 0).transpose(0, 1).reshape(L, nh * hd)
            x = x + self._lin(a, p + "self_attn.o_proj")
            h = self._norm(x, self.w[p + "post_attention_layernorm.weight"])
            g = self._lin(h, p + "mlp.gate_proj")
            u = self._lin(h, p + "mlp.up_proj")
            x = x + self._lin(torch.nn.functional.silu(g) * u, p + "mlp.down_proj")
        x = self._norm(x, self.w["model.norm.weight"])
        return x @ self.w["lm_head.weight"].T

    def token_nll(self, tokens, fs):
        """Per-token NLL (float64 list of L-1 values) of predicting tokens[1:]."""
        lg = self.logits(tokens, fs).to(torch.float64)
        lp = torch.log_softmax(lg[:-1], dim=-1)
        tgt = torch.tensor(list(tokens[1:]), dtype=torch.long)
        return (-lp.gather(1, tgt[:, None])[:, 0]).tolist()

    def sample_nll(self, tokens, fs):
        per = self.token_nll(tokens, fs)
        return math.fsum(per) / len(per), per


# ---------------------------------------------------------------------------
# Data


def list_documents(data):
    if os.path.isfile(data):
        return [data]
    if not os.path.isdir(data):
        raise FileNotFoundError(data)
    names = []  # relative paths, '/'-separated, recursively; names starting with '.' skipped (files and directories)
    for root, dirs, files in os.walk(data):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        rel = os.path.relpath(root, data)
        for n in files:
            if not n.startswith(".") and os.path.isfile(os.path.join(root, n)):
                names.append(n if rel == "." else rel.replace(os.sep, "/") + "/" + n)
    names.sort(key=lambda n: os.fsencode(n))  # ordinal (byte) order of the relative path
    return [os.path.join(data, n) for n in names]


def document_tokens(path, vocab_size):
    with open(path, "rb") as f:
        raw = f.read()
    if path.endswith(".ids"):
        ids = [int(t) for t in raw.decode("ascii").split()]
        if any(i < 0 or i >= vocab_size for i in ids):
            raise ValueError("%s: token id out of range for vocab %d" % (path, vocab_size))
        return ids
    if vocab_size != 256:
        raise ValueError("%s: raw-byte documents need a byte-level model (vocab 256), got %d; "
                         "use pre-tokenized .ids files" % (path, vocab_size))
    return list(raw)


def select_samples(data, length, count, vocab_size):
    """Returns [(document path, first `length` tokens)] for the first `count` long-enough documents."""
    out = []
    for path in list_documents(data):
        toks = document_tokens(path, vocab_size)
        if len(toks) >= length:
            out.append((path, toks[:length]))
            if len(out) == count:
                break
    if len(out) < count:
        raise ValueError("only %d documents in %s have >= %d tokens, need %d" % (len(out), data, length, count))
    return out


def evaluate(model, data, length, count, fs):
    samples = select_samples(data, length, count, model.vocab)
    per_sample, per_token = [], []
    for _, toks in samples:
        m, per = model.sample_nll(toks, fs)
        per_sample.append(m)
        per_token.append(per)
    mean = math.fsum(per_sample) / len(per_sample)
    return {"documents": [p for p, _ in samples], "per_sample_nll": per_sample,
            "per_token_nll": per_token, "mean_nll": mean, "ppl": math.exp(mean)}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--length", type=int, required=True)
    ap.add_argument("--samples", type=int, default=1)
    ap.add_argument("--factors", help="JSON file {factors, n_hat, attention_factor}")
    ap.add_argument("--lambda-all", type=float, help="use lambda_i = this for all pairs")
    ap.add_argument("--n-hat", type=int, default=0)
    ap.add_argument("--attention-factor", type=float, default=1.0)
    ap.add_argument("--as-published", action="store_true", help="the model's own rope_scaling instead of factors")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--threads", type=int, default=0)
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    model = RefModel(args.model, torch.float64 if args.dtype == "float64" else torch.float32)
    half = model.rotary_dim // 2
    if args.as_published:
        fs = AS_PUBLISHED
    elif args.factors:
        with open(args.factors) as f:
            fs = FactorSet.from_json(json.load(f))
    else:
        lam = args.lambda_all if args.lambda_all else 1.0
        fs = FactorSet([lam] * half, args.n_hat, args.attention_factor)
    r = evaluate(model, args.data, args.length, args.samples, fs)
    for doc, nll in zip(r["documents"], r["per_sample_nll"]):
        print("%s  nll %.6f" % (doc, nll))
    print("mean nll %.6f  ppl %.6f" % (r["mean_nll"], r["ppl"]))


if __name__ == "__main__":
    sys.exit(main())
