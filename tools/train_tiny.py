#!/usr/bin/python3
"""Trains the tiny byte-level Llama model shipped at models/tiny-brown.

    /usr/bin/python3 tools/prepare_data.py     # once: datasets/ + tools/.cache/train.txt
    /usr/bin/python3 tools/train_tiny.py       # ~25 min on 2 CPU cores

Architecture: Llama (RMSNorm pre-norm, SwiGLU MLP without bias, no attention bias, RoPE with
Hugging Face rotate_half pairing), vocab 256 (raw bytes, no BOS), hidden 256, 4 layers, 4 heads
of dim 64, 4 KV heads, intermediate 688, rope_theta 1e4, trained context 256, untied lm_head.

Training: AdamW, linear warmup + cosine decay, batches of random 256-byte windows of the
training text. Unless --steps is given, the step count is sized from the measured speed of the
first steps so the run fits --budget-minutes. Output: config.json, model.safetensors (F32,
HF tensor names) and README.md in --out.
"""

import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from safetensors_io import write_safetensors  # noqa: E402

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(TOOLS_DIR)

CONFIG = {
    "vocab_size": 256,
    "hidden_size": 256,
    "intermediate_size": 688,
    "num_hidden_layers": 4,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "head_dim": 64,
    "rope_theta": 10000.0,
    "rms_norm_eps": 1e-5,
    "max_position_embeddings": 256,
}


# ---------------------------------------------------------------------------
# Model (float32 training implementation)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        var = x.pow(2).mean(-1, keepdim=True)
        return self.weight * (x * torch.rsqrt(var + self.eps))


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.nh = c["num_attention_heads"]
        self.nkv = c["num_key_value_heads"]
        self.hd = c["head_dim"]
        h = c["hidden_size"]
        self.q_proj = nn.Linear(h, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(h, self.nkv * self.hd, bias=False)
        self.v_proj = nn.Linear(h, self.nkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, h, bias=False)

    def forward(self, x, cos, sin, mask):
        b, t, _ = x.shape
        q = self.q_proj(x).view(b, t, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, t, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, t, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if self.nkv != self.nh:
            rep = self.nh // self.nkv
            k = k.repeat_interleave(rep, dim=1)
            v = v.repeat_interleave(rep, dim=1)
        att = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(self.hd))
        att = att.masked_fill(mask, float("-inf"))
        att = att.softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, self.nh * self.hd)
        return self.o_proj(y)


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        h, i = c["hidden_size"], c["intermediate_size"]
        self.gate_proj = nn.Linear(h, i, bias=False)
        self.up_proj = nn.Linear(h, i, bias=False)
        self.down_proj = nn.Linear(i, h, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class TinyLlama(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        self.layers = nn.ModuleList([Block(c) for _ in range(c["num_hidden_layers"])])
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.lm_head = nn.Linear(c["hidden_size"], c["vocab_size"], bias=False)
        hd = c["head_dim"]
        inv_freq = c["rope_theta"] ** (-torch.arange(0, hd // 2, dtype=torch.float64) * 2.0 / hd)
        self.register_buffer("inv_freq", inv_freq, persistent=False)

    def rope(self, t):
        pos = torch.arange(t, dtype=torch.float64)
        ang = torch.outer(pos, self.inv_freq)
        ang = torch.cat((ang, ang), dim=-1)
        return ang.cos().float(), ang.sin().float()

    def forward(self, idx):
        b, t = idx.shape
        cos, sin = self.rope(t)
        mask = torch.triu(torch.ones(t, t, dtype=torch.bool), diagonal=1)
        x = self.embed_tokens(idx)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        return self.lm_head(self.norm(x))


def init_weights(model, std=0.02, seed=0):
    g = torch.Generator().manual_seed(seed)
    n_layers = model.c["num_hidden_layers"]
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                p.fill_(1.0)
            else:
                s = std
                if name.endswith("o_proj.weight") or name.endswith("down_proj.weight"):
                    s = std / math.sqrt(2 * n_layers)
                p.copy_(torch.randn(p.shape, generator=g) * s)


def hf_state_dict(model):
    """Maps the training module's parameters to Hugging Face Llama tensor names."""
    out = {}
    for name, p in model.state_dict().items():
        if name == "inv_freq":
            continue
        hf = name if name.startswith("lm_head") else "model." + name
        out[hf] = p.detach().float().contiguous()
    return out


def hf_config(c):
    return {
        "architectures": ["LlamaForCausalLM"],
        "model_type": "llama",
        "vocab_size": c["vocab_size"],
        "hidden_size": c["hidden_size"],
        "intermediate_size": c["intermediate_size"],
        "num_hidden_layers": c["num_hidden_layers"],
        "num_attention_heads": c["num_attention_heads"],
        "num_key_value_heads": c["num_key_value_heads"],
        "head_dim": c["head_dim"],
        "hidden_act": "silu",
        "max_position_embeddings": c["max_position_embeddings"],
        "initializer_range": 0.02,
        "rms_norm_eps": c["rms_norm_eps"],
        "rope_theta": c["rope_theta"],
        "rope_scaling": None,
        "attention_bias": False,
        "attention_dropout": 0.0,
        "mlp_bias": False,
        "pretraining_tp": 1,
        "tie_word_embeddings": False,
        "use_cache": True,
        "bos_token_id": None,
        "eos_token_id": None,
        "pad_token_id": None,
        "torch_dtype": "float32",
    }


# ---------------------------------------------------------------------------
# Data


def load_bytes(path):
    with open(path, "rb") as f:
        data = f.read()
    return torch.frombuffer(bytearray(data), dtype=torch.uint8).long()


def heldout_windows(search_dir, ctx, per_doc):
    """Fixed held-out evaluation windows: the first `per_doc` consecutive ctx-byte windows
    (ctx+1 bytes incl. target) of each search document, in name order."""
    wins = []
    for name in sorted(os.listdir(search_dir)):
        p = os.path.join(search_dir, name)
        if name.startswith(".") or not os.path.isfile(p):
            continue
        d = load_bytes(p)
        for j in range(per_doc):
            s = j * ctx
            if s + ctx + 1 <= len(d):
                wins.append(d[s:s + ctx + 1])
    return torch.stack(wins)


def batch(data, bsz, ctx, g):
    starts = torch.randint(0, len(data) - ctx - 1, (bsz,), generator=g)
    off = torch.arange(ctx + 1)
    w = data[starts[:, None] + off[None, :]]
    return w[:, :-1], w[:, 1:]


@torch.no_grad()
def eval_loss(model, wins, bsz=32):
    model.eval()
    tot, n = 0.0, 0
    for i in range(0, len(wins), bsz):
        w = wins[i:i + bsz]
        logits = model(w[:, :-1])
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), w[:, 1:].reshape(-1), reduction="sum")
        tot += loss.item()
        n += w[:, 1:].numel()
    model.train()
    return tot / n


# ---------------------------------------------------------------------------


def lr_at(step, total, peak, warmup, min_ratio):
    if step < warmup:
        return peak * (step + 1) / warmup
    p = (step - warmup) / max(1, total - warmup)
    return peak * (min_ratio + (1 - min_ratio) * 0.5 * (1 + math.cos(math.pi * min(1.0, p))))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", default=os.path.join(TOOLS_DIR, ".cache", "train.txt"))
    ap.add_argument("--search", default=os.path.join(REPO_DIR, "datasets", "search"))
    ap.add_argument("--out", default=os.path.join(REPO_DIR, "checkpoints", "tiny-brown"))
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--min-lr-ratio", type=float, default=0.05)
    ap.add_argument("--warmup", type=int, default=50)
    ap.add_argument("--weight-decay", type=float, default=0.1)
    ap.add_argument("--steps", type=int, default=0, help="fixed step count (0: size from --budget-minutes)")
    ap.add_argument("--budget-minutes", type=float, default=21.0, help="training-loop wall-clock budget")
    ap.add_argument("--calib-steps", type=int, default=10)
    ap.add_argument("--eval-every", type=int, default=0, help="0: about 12 evaluations per run")
    ap.add_argument("--eval-per-doc", type=int, default=4, help="held-out windows per search document")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--card-only", action="store_true",
                    help="only rewrite the model card from tools/.cache/train_info.json")
    args = ap.parse_args()
    if args.card_only:
        with open(os.path.join(TOOLS_DIR, ".cache", "train_info.json")) as f:
            write_model_card(os.path.join(args.out, "README.md"), json.load(f), args)
        return

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    t_start = time.time()
    ctx = CONFIG["max_position_embeddings"]

    if not os.path.isfile(args.train):
        sys.exit("missing %s: run /usr/bin/python3 tools/prepare_data.py first" % args.train)
    data = load_bytes(args.train)
    wins = heldout_windows(args.search, ctx, args.eval_per_doc)
    print("train bytes %d, held-out windows %d x %d" % (len(data), len(wins), ctx), flush=True)

    model = TinyLlama(CONFIG)
    init_weights(model, seed=args.seed)
    n_params = sum(p.numel() for p in model.parameters())
    print("parameters: %d" % n_params, flush=True)

    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.weight_decay},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95), eps=1e-8)
    g = torch.Generator().manual_seed(args.seed + 1)

    total = args.steps if args.steps > 0 else None
    eval_every = args.eval_every
    history = []
    loss_ema = None
    t_loop = time.time()
    step = 0
    step_times = [t_loop]
    adaptive = args.steps <= 0
    resizes = []
    max_total = 10 ** 9
    while total is None or step < total:
        lr = lr_at(step, total if total else 10 ** 9, args.lr, args.warmup, args.min_lr_ratio)
        for group in opt.param_groups:
            group["lr"] = lr
        x, y = batch(data, args.batch, ctx, g)
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        step += 1
        lv = loss.item()
        loss_ema = lv if loss_ema is None else 0.98 * loss_ema + 0.02 * lv

        step_times.append(time.time())
        if total is None:
            if step == 4 + args.calib_steps:
                per_step = (step_times[-1] - step_times[3]) / args.calib_steps  # skip the first steps
                remaining = args.budget_minutes * 60 - (time.time() - t_loop)
                # keep ~12% headroom for evaluations and CPU competition
                total = step + int(0.88 * remaining / per_step)
                resizes.append({"step": step, "s_per_step": per_step, "total": total})
                max_total = int(total * 4)  # the CPU may be busier during calibration than later
                print("measured %.3f s/step (%.2f steps/s) -> total steps %d" % (per_step, 1 / per_step, total),
                      flush=True)
                if not eval_every:
                    eval_every = max(1, total // 12)
        elif adaptive and step % 25 == 0 and step < total - 25:
            # Other processes may compete for the CPU: re-size the run from the recent speed
            # (last 50 steps) so that it still ends within the budget.
            window = min(50, len(step_times) - 1)
            per_step = (step_times[-1] - step_times[-1 - window]) / window
            remaining = args.budget_minutes * 60 - (time.time() - t_loop)
            new_total = max(step + 25, step + int(0.92 * remaining / per_step))
            new_total = min(new_total, max_total)
            if abs(new_total - total) > max(5, total // 50):
                print("re-sized run: %.3f s/step recently -> total steps %d (was %d)" % (per_step, new_total, total),
                      flush=True)
                total = new_total
                resizes.append({"step": step, "s_per_step": per_step, "total": total})
                eval_every = max(1, total // 12)
        if total is not None and not eval_every:
            eval_every = max(1, total // 12)

        if step % 10 == 0:
            print("step %d/%s lr %.2e loss %.4f ema %.4f elapsed %.0fs" % (
                step, total if total else "?", lr, lv, loss_ema, time.time() - t_loop), flush=True)
        if eval_every and (step % eval_every == 0 or step == total):
            hl = eval_loss(model, wins)
            history.append({"step": step, "train_loss_ema": loss_ema, "heldout_loss": hl,
                            "elapsed_s": time.time() - t_loop})
            print("EVAL step %d train(ema) %.4f held-out %.4f nats/byte" % (step, loss_ema, hl), flush=True)

    train_time = time.time() - t_loop
    # final train loss: average over a fixed set of fresh random training windows (no grad)
    gf = torch.Generator().manual_seed(args.seed + 2)
    with torch.no_grad():
        model.eval()
        tl = []
        for _ in range(8):
            x, y = batch(data, 32, ctx, gf)
            lg = model(x)
            tl.append(F.cross_entropy(lg.reshape(-1, lg.shape[-1]), y.reshape(-1)).item())
        final_train = sum(tl) / len(tl)
    final_heldout = history[-1]["heldout_loss"] if history and history[-1]["step"] == step else eval_loss(model, wins)
    total_time = time.time() - t_start
    print("final train loss %.4f held-out %.4f nats/byte; training loop %.0fs, total %.0fs" % (
        final_train, final_heldout, train_time, total_time), flush=True)

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "config.json"), "w") as f:
        json.dump(hf_config(CONFIG), f, indent=2)
        f.write("\n")
    size = write_safetensors(os.path.join(args.out, "model.safetensors"), hf_state_dict(model), "F32",
                             metadata={"format": "pt"})
    print("wrote %s (%d bytes)" % (os.path.join(args.out, "model.safetensors"), size), flush=True)

    info = {
        "parameters": n_params, "steps": step, "batch": args.batch, "context": ctx,
        "lr": args.lr, "warmup": args.warmup, "min_lr_ratio": args.min_lr_ratio,
        "weight_decay": args.weight_decay, "seed": args.seed, "threads": args.threads,
        "train_bytes": len(data), "heldout_windows": len(wins),
        "final_train_loss": final_train, "final_heldout_loss": final_heldout,
        "train_loop_seconds": train_time, "total_seconds": total_time, "history": history,
        "torch_version": torch.__version__, "safetensors_bytes": size,
        "budget_minutes": args.budget_minutes if adaptive else None, "resizes": resizes,
    }
    with open(os.path.join(TOOLS_DIR, ".cache", "train_info.json"), "w") as f:
        json.dump(info, f, indent=1)
    # The nll fixtures on disk belong to the previous checkpoint: leave them out until
    # make_fixtures.py has been re-run (it refreshes this card).
    write_model_card(os.path.join(args.out, "README.md"), info, args, use_fixtures=False)


def extrapolation_table(use_fixtures=True):
    """Per-byte perplexity of the saved checkpoint at several lengths, from the nll fixtures if
    present (tests/fixtures/nll/*tiny-brown*.json), else a note."""
    d = os.path.join(REPO_DIR, "tests", "fixtures", "nll")
    rows = []
    if use_fixtures and os.path.isdir(d):
        for n in sorted(os.listdir(d)):
            if "tiny-brown" not in n:
                continue
            with open(os.path.join(d, n)) as f:
                j = json.load(f)
            fs = j["factors"]
            lam = sorted(set(fs["factors"]))
            desc = ("none" if lam == [1.0] and fs["n_hat"] == 0 and fs["attention_factor"] == 1.0 else
                    "lambda = %g for all pairs" % lam[0] if len(lam) == 1 else
                    "lambda in [%.2f, %.2f], n_hat %d, attention factor %g"
                    % (lam[0], lam[-1], fs["n_hat"], fs["attention_factor"]))
            rows.append("| %d | %d | %s | %.4f | %.3f |" % (j["length"], j["samples"], desc, j["mean_nll"], j["ppl"]))
    note = "Rows marked * are from `tests/fixtures/nll/` (float64 reference)"
    if not rows:
        note = "Fixture rows not yet computed (run tools/make_fixtures.py, which refreshes this card)"
    rows = [r.replace("| ", "| * ", 1) for r in rows]
    try:
        rows += baseline_rows()
        note += "; the other rows were computed with tools/torch_llama.py in float32 when this card was written."
    except Exception as e:  # the card must not fail because of the extra numbers
        note += "; extra rows unavailable (%s)." % e
    return ("| length | samples | scaling | NLL (nats/byte) | perplexity |\n|---:|---:|---|---:|---:|\n"
            + "\n".join(rows) + "\n\n" + note)


def baseline_rows():
    """NLL at 2048 bytes (8x) without scaling and with classic 8x methods, float32 reference."""
    import torch_llama as tl
    import make_fixtures as mf
    model_dir = os.path.join(REPO_DIR, "checkpoints", "tiny-brown")
    m = tl.RefModel(model_dir, torch.float32)
    c = CONFIG
    d, base, L0, s = c["head_dim"], c["rope_theta"], c["max_position_embeddings"], 8.0
    yarn = mf.yarn(d, base, L0, s)
    sets = [
        ("none", tl.FactorSet.identity(d // 2)),
        ("static NTK, s = 8", tl.FactorSet(mf.base_change(d, base, base * s ** (d / (d - 2)))["lambda"])),
        ("YaRN, s = 8 (attention factor %.4f)" % yarn["attention_factor"],
         tl.FactorSet(yarn["lambda"], 0, yarn["attention_factor"])),
        ("Llama 3, s = 8", tl.FactorSet(mf.llama3(d, base, L0, s)["lambda"])),
    ]
    rows = []
    for desc, fs in sets:
        r = tl.evaluate(m, os.path.join(REPO_DIR, "datasets", "validation"), 2048, 2, fs)
        rows.append("| %d | %d | %s | %.4f | %.3f |" % (2048, 2, desc, r["mean_nll"], r["ppl"]))
    return rows


def refresh_card():
    """Rewrites models/tiny-brown/README.md from tools/.cache/train_info.json (called by
    make_fixtures.py after it regenerates the tiny-brown fixtures). Returns False if the
    training info is not available (e.g. fresh clone)."""
    p = os.path.join(TOOLS_DIR, ".cache", "train_info.json")
    if not os.path.isfile(p):
        return False
    with open(p) as f:
        write_model_card(os.path.join(REPO_DIR, "checkpoints", "tiny-brown", "README.md"), json.load(f), None)
    return True


def write_model_card(path, info, args, use_fixtures=True):
    extrap = extrapolation_table(use_fixtures)
    c = CONFIG
    if info.get("budget_minutes"):
        cmd = "/usr/bin/python3 tools/train_tiny.py   # --budget-minutes %g (default)" % info["budget_minutes"]
    else:
        cmd = "/usr/bin/python3 tools/train_tiny.py --steps %d" % info["steps"]
    resizes = info.get("resizes") or []
    if resizes:
        sizing = ("The step count was not fixed in advance: the script measured its speed on the first "
                  "steps (%.2f s/step -> %d steps planned) and, because other processes competed for the two "
                  "CPU cores, re-sized the run %d times from the recent speed (between %.1f and %.1f s/step), "
                  "ending after %d steps within the %g-minute budget; at every step the learning rate follows "
                  "the cosine schedule of the then-current total (totals: %s). "
                  "`--steps %d` reruns with a fixed schedule of the same length (close, not identical)."
                  % (resizes[0]["s_per_step"], resizes[0]["total"], len(resizes) - 1,
                     min(r["s_per_step"] for r in resizes), max(r["s_per_step"] for r in resizes),
                     info["steps"], info["budget_minutes"], " -> ".join(str(r["total"]) for r in resizes),
                     info["steps"]))
    else:
        sizing = "The step count was fixed with `--steps`."
    hist = "\n".join("| %d | %.4f | %.4f |" % (h["step"], h["train_loss_ema"], h["heldout_loss"])
                     for h in info["history"])
    text = f"""# tiny-brown

A tiny byte-level Llama-architecture language model trained from scratch on the Brown corpus,
shipped as a test and demo checkpoint for LongRopeSearch. It is trained with a context of
**{info['context']} bytes**, so perplexity at longer lengths shows the usual RoPE extrapolation
failure that LongRoPE factors are meant to fix.

## Architecture

Hugging Face `LlamaForCausalLM` layout (`config.json` + `model.safetensors`, float32):

| field | value |
|---|---|
| vocab_size | {c['vocab_size']} (tokens are raw bytes, no BOS/EOS) |
| hidden_size | {c['hidden_size']} |
| num_hidden_layers | {c['num_hidden_layers']} |
| num_attention_heads / num_key_value_heads | {c['num_attention_heads']} / {c['num_key_value_heads']} |
| head_dim | {c['head_dim']} ({c['head_dim'] // 2} rotary pairs, rotate_half pairing i <-> i + {c['head_dim'] // 2}) |
| intermediate_size | {c['intermediate_size']} (SwiGLU, no bias) |
| rope_theta | {c['rope_theta']:g} |
| rms_norm_eps | {c['rms_norm_eps']:g} |
| max_position_embeddings (trained context) | {c['max_position_embeddings']} |
| tie_word_embeddings | false (separate `lm_head.weight`) |
| attention_bias | false |
| parameters | {info['parameters']:,} |

## Data

Training text: the {len_train_note()} Brown-corpus texts not used by `datasets/search` or
`datasets/validation` ({info['train_bytes']:,} bytes after de-tagging; see `datasets/README.md`).
Held-out loss is measured on {info['heldout_windows']} fixed {info['context']}-byte windows
taken from the start of the `datasets/search` documents (never trained on).

## Training

PyTorch {info['torch_version']} on CPU ({info['threads']} threads), AdamW (betas 0.9/0.95,
weight decay {info['weight_decay']} on matrices), peak lr {info['lr']:g}, {info['warmup']} warm-up
steps then cosine decay to {info['min_lr_ratio']:g} x peak, gradient clipping 1.0, batch
{info['batch']} random {info['context']}-byte windows, seed {info['seed']}, **{info['steps']} steps**
({info['steps'] * info['batch'] * info['context']:,} training tokens, about
{info['steps'] * info['batch'] * info['context'] / info['train_bytes']:.2f} epochs).

{sizing}

Training wall time: {info['train_loop_seconds'] / 60:.1f} min for the training loop
({info['total_seconds'] / 60:.1f} min for the whole script).

Final losses (nats/byte): **train {info['final_train_loss']:.4f}**, **held-out {info['final_heldout_loss']:.4f}**
(held-out perplexity {math.exp(info['final_heldout_loss']):.3f} per byte at length {info['context']}).

| step | train loss (EMA) | held-out loss |
|---:|---:|---:|
{hist}

## Reproduce

```sh
sh tools/fetch_corpus.sh
/usr/bin/python3 tools/prepare_data.py
{cmd}
```

CPU thread scheduling makes float32 reductions slightly nondeterministic, and the default run
sizes its step count from the measured speed, so a re-run gives a close but not bit-identical
model; regenerate `tests/fixtures` (`/usr/bin/python3 tools/make_fixtures.py`) after retraining.

## Length extrapolation (first K documents of datasets/validation, reference forward)

{extrap}
"""
    with open(path, "w") as f:
        f.write(text)


def len_train_note():
    p = os.path.join(TOOLS_DIR, ".cache", "split.json")
    try:
        with open(p) as f:
            return str(len(json.load(f)["train"]))
    except OSError:
        return "remaining"


if __name__ == "__main__":
    main()
