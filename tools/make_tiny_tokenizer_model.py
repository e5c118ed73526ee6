#!/usr/bin/python3
"""Writes tests/fixtures/models/tiny-llama-mistral-tokenizer/: a small random Llama model whose vocabulary is the
real Mistral-7B-v0.1 tokenizer (32000 SentencePiece pieces), for tests that run a model folder with tokenizer files
end to end (`longrope eval --model <folder with tokenizer.json> ...`).

    /usr/bin/python3 tools/make_tiny_tokenizer_model.py            # the folder + its float64 reference NLL fixture
    /usr/bin/python3 tools/make_tiny_tokenizer_model.py --no-nll   # the folder only

The weights are random (fixed seed), so perplexity is near the vocabulary size: the folder tests plumbing and exactness,
not language modelling. It also writes tests/fixtures/nll/l-tiny-llama-mistral-tokenizer.json, the float64 PyTorch
reference NLL (tools/torch_llama.py) on tests/fixtures/tokenizers/mistral-v0.1-ids (the first 64 KiB of two long
documents, tokenized by @huggingface/tokenizers with this tokenizer; made by tools/tokenizers/make_expected_ids.mjs),
which the engine's fixture tests pick up. The tokenizer files are copied from tests/fixtures/tokenizers/mistral-v0.1 (made by
tools/tokenizers/build_tokenizer_files.mjs). Deterministic: same bytes on every run.
"""

import argparse
import json
import os
import shutil
import sys

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(TOOLS_DIR)
sys.path.insert(0, TOOLS_DIR)
import torch_llama as tl  # noqa: E402
from make_fixtures import model_config, monotone_factors, random_tensors, write_case  # noqa: E402
from safetensors_io import write_safetensors  # noqa: E402

NAME = "tiny-llama-mistral-tokenizer"
OUT = os.path.join(REPO_DIR, "tests", "fixtures", "models", NAME)
TOKENIZER = os.path.join(REPO_DIR, "tests", "fixtures", "tokenizers", "mistral-v0.1")
TOKENIZER_FILES = ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "LICENSE"]
SEED = 14014


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--no-nll", action="store_true", help="skip the reference NLL fixture")
    args = ap.parse_args()
    # Mistral-like shape at toy size: GQA (4 query heads, 2 key/value heads), tied embeddings, BF16 storage
    # (32000 x 64 embedding = 4 MiB), original context 4096.
    c = model_config(vocab=32000, hidden=64, inter=128, layers=2, heads=4, kv=2, head_dim=16,
                     theta=10000.0, eps=1e-5, max_pos=4096, tie=True, torch_dtype="bfloat16")
    c["bos_token_id"] = 1
    c["eos_token_id"] = 2
    tensors = random_tensors(c, SEED)
    os.makedirs(OUT, exist_ok=True)
    for old in os.listdir(OUT):
        if old != "README.md":
            os.remove(os.path.join(OUT, old))
    with open(os.path.join(OUT, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
        f.write("\n")
    size = write_safetensors(os.path.join(OUT, "model.safetensors"), tensors, "BF16", metadata={"format": "pt"})
    for name in TOKENIZER_FILES:
        shutil.copyfile(os.path.join(TOKENIZER, name), os.path.join(OUT, name))
    params = sum(t.numel() for t in tensors.values())
    print("wrote %s: %d parameters, model.safetensors %d bytes" % (os.path.relpath(OUT, REPO_DIR), params, size))
    if not args.no_nll:
        fs = tl.FactorSet(monotone_factors(8, 1.0, 8.0, seed=14), n_hat=16, attention_factor=1.1)
        write_case("l-tiny-llama-mistral-tokenizer", os.path.relpath(OUT, REPO_DIR), "tests/fixtures/tokenizers/mistral-v0.1-ids",
                   1024, 2, fs, "weights stored as BF16 (real 32000-piece Mistral vocabulary, tied embeddings, GQA); "
                   "reference uses the exact bf16 values converted to float64; data tokenized by @huggingface/tokenizers")


if __name__ == "__main__":
    main()
