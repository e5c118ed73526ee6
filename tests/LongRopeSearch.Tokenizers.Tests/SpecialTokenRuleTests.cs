using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Tokenizers.Tests;

/// <summary>
/// BOS/EOS follow the model's settings as AutoTokenizer applies them to one document (TokenizerConfig's rule), and
/// tokenizer.json's truncation/padding never cut a document. Expected ids are the committed reference ids with the
/// rule's BOS/EOS change applied.
/// </summary>
public sealed class SpecialTokenRuleTests
{
    private static readonly string[] Probes = ["ascii-sentence", "empty", "newlines", "emoji"];

    [Fact]
    public void Mistral_folder_adds_bos_only_by_both_adapters()
    {
        using var json = HuggingFaceTokenizer.Load(ExpectedIds.Mistral);
        using var model = SentencePieceModelTokenizer.Load(ExpectedIds.Mistral);
        foreach (ITextTokenizer t in new ITextTokenizer[] { json, model })
        {
            Assert.Equal((32000, 1, true, 2, false), (t.VocabSize, t.BosId, t.AddsBos, t.EosId, t.AddsEos));
            Assert.Equal([1], t.Encode(""));
        }
    }

    [Fact]
    public void Qwen3_folder_adds_nothing()
    {
        using var t = HuggingFaceTokenizer.Load(ExpectedIds.Qwen3);
        Assert.Equal((151669, false, false), (t.VocabSize, t.AddsBos, t.AddsEos));
        Assert.Empty(t.Encode(""));
    }

    [Fact]
    public void Llama_class_flags_override_the_template_of_tokenizer_json_and_drive_tokenizer_model()
    {
        using var dir = CopyFixture(ExpectedIds.Mistral);
        EditJson(dir.File(TokenizerConfig.FileName), c => { c["add_bos_token"] = false; c["add_eos_token"] = true; });
        using var json = HuggingFaceTokenizer.Load(dir.PathName);
        using var model = SentencePieceModelTokenizer.Load(dir.PathName);
        var reference = ExpectedIds.For("mistral-v0.1.tokenizer-json.json");
        foreach (ITextTokenizer t in new ITextTokenizer[] { json, model })
        {
            Assert.Equal((false, true), (t.AddsBos, t.AddsEos));
            foreach (var name in Probes)
                Assert.Equal([.. reference[name].Skip(1), 2], t.Encode(ExpectedIds.Texts[name]));
        }
    }

    [Fact]
    public void Other_classes_ignore_the_flags_and_follow_the_post_processor()
    {
        using var dir = CopyFixture(ExpectedIds.Qwen3);
        EditJson(dir.File(TokenizerConfig.FileName), c => { c["add_bos_token"] = true; c["bos_token"] = "<|endoftext|>"; });
        using var t = HuggingFaceTokenizer.Load(dir.PathName);
        Assert.Equal((151643, false), (t.BosId, t.AddsBos));
        var reference = ExpectedIds.For("qwen3.tokenizer-json.json");
        foreach (var name in Probes) Assert.Equal(reference[name], t.Encode(ExpectedIds.Texts[name]));
    }

    [Fact]
    public void A_template_post_processor_adds_its_bos_as_llama3s_does()
    {
        using var dir = CopyFixture(ExpectedIds.Qwen3);
        EditJson(dir.File(TokenizerConfig.FileName), c => { c["tokenizer_class"] = "PreTrainedTokenizerFast"; c["bos_token"] = "<|endoftext|>"; });
        EditJson(dir.File(HuggingFaceTokenizer.FileName), j => j["post_processor"] = JsonNode.Parse("""
            {"type": "Sequence", "processors": [
              {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": false, "use_regex": true},
              {"type": "TemplateProcessing",
               "single": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
               "pair": [{"SpecialToken": {"id": "<|endoftext|>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                        {"SpecialToken": {"id": "<|endoftext|>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
               "special_tokens": {"<|endoftext|>": {"id": "<|endoftext|>", "ids": [151643], "tokens": ["<|endoftext|>"]}}}]}
            """));
        using var t = HuggingFaceTokenizer.Load(dir.PathName);
        Assert.Equal((151643, true, false), (t.BosId, t.AddsBos, t.AddsEos));
        var reference = ExpectedIds.For("qwen3.tokenizer-json.json");
        foreach (var name in Probes) Assert.Equal([151643, .. reference[name]], t.Encode(ExpectedIds.Texts[name]));
    }

    [Fact]
    public void Truncation_and_padding_in_tokenizer_json_do_not_cut_or_pad_a_document()
    {
        using var dir = CopyFixture(ExpectedIds.Qwen3);
        EditJson(dir.File(HuggingFaceTokenizer.FileName), j =>
        {
            j["truncation"] = JsonNode.Parse("""{"direction": "Right", "max_length": 8, "strategy": "LongestFirst", "stride": 0}""");
            j["padding"] = JsonNode.Parse("""{"strategy": {"Fixed": 64}, "direction": "Right", "pad_to_multiple_of": null, "pad_id": 151643, "pad_type_id": 0, "pad_token": "<|endoftext|>"}""");
        });
        using var t = HuggingFaceTokenizer.Load(dir.PathName);
        var reference = ExpectedIds.For("qwen3.tokenizer-json.json");
        foreach (var name in new[] { "document-200k", "ascii-sentence" }) Assert.Equal(reference[name], t.Encode(ExpectedIds.Texts[name]));
    }

    [Fact]
    public void Folder_resolution_prefers_tokenizer_json_then_tokenizer_model_then_none()
    {
        using (var t = TokenizerFolder.Open(ExpectedIds.Mistral)) Assert.IsType<HuggingFaceTokenizer>(t);
        using var dir = CopyFixture(ExpectedIds.Mistral);
        File.Delete(dir.File(HuggingFaceTokenizer.FileName));
        using (var t = TokenizerFolder.Open(dir.PathName)) Assert.IsType<SentencePieceModelTokenizer>(t);
        File.Delete(dir.File(SentencePieceModelTokenizer.FileName));
        Assert.Null(TokenizerFolder.Open(dir.PathName));
    }

    [Fact]
    public void Bad_files_get_one_clear_message_naming_file_and_field()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<InputException>(() => HuggingFaceTokenizer.Load(dir.PathName));
        Assert.Contains("tokenizer.json", e.Message, StringComparison.Ordinal);

        File.WriteAllText(dir.File("tokenizer.json"), "{\"model\": ");
        e = Assert.Throws<InputException>(() => HuggingFaceTokenizer.Load(dir.PathName));
        Assert.Contains("expected valid JSON", e.Message, StringComparison.Ordinal);

        File.WriteAllBytes(dir.File("tokenizer.model"), [0x0a, 0xff, 0xff, 0xff]);
        e = Assert.Throws<InputException>(() => SentencePieceModelTokenizer.Load(dir.PathName));
        Assert.Contains("tokenizer.model", e.Message, StringComparison.Ordinal);

        using var mistral = CopyFixture(ExpectedIds.Mistral);
        EditJson(mistral.File(TokenizerConfig.FileName), c => c["add_bos_token"] = "yes");
        e = Assert.Throws<InputException>(() => HuggingFaceTokenizer.Load(mistral.PathName));
        Assert.Contains("tokenizer_config.json: add_bos_token: expected true, false or null", e.Message, StringComparison.Ordinal);

        EditJson(mistral.File(TokenizerConfig.FileName), c => { c["add_bos_token"] = true; c["bos_token"] = "<bos>"; });
        e = Assert.Throws<InputException>(() => HuggingFaceTokenizer.Load(mistral.PathName));
        Assert.Contains("bos_token", e.Message, StringComparison.Ordinal);
        e = Assert.Throws<InputException>(() => SentencePieceModelTokenizer.Load(mistral.PathName));
        Assert.Contains("bos_token", e.Message, StringComparison.Ordinal);

        EditJson(mistral.File(TokenizerConfig.FileName), c => { c["bos_token"] = "<s>"; c["tokenizer_class"] = "T5Tokenizer"; });
        e = Assert.Throws<InputException>(() => SentencePieceModelTokenizer.Load(mistral.PathName));
        Assert.Contains("tokenizer_class", e.Message, StringComparison.Ordinal);
    }

    private static TempDir CopyFixture(string folder)
    {
        var dir = new TempDir();
        foreach (var f in Directory.GetFiles(folder)) File.Copy(f, dir.File(Path.GetFileName(f)));
        return dir;
    }

    private static void EditJson(string path, Action<JsonObject> edit)
    {
        var node = (JsonObject)JsonNode.Parse(File.ReadAllText(path))!;
        edit(node);
        File.WriteAllText(path, node.ToJsonString());
    }
}

/// <summary>Encode may be called from several threads at once (a job tokenizes its documents in parallel).</summary>
public sealed class ConcurrencyTests(FixtureTokenizers tokenizers) : IClassFixture<FixtureTokenizers>
{
    [Fact]
    public void Parallel_encodings_equal_the_reference_ids()
    {
        var reference = ExpectedIds.For("mistral-v0.1.tokenizer-json.json");
        var names = reference.Keys.ToArray();
        var work = Enumerable.Range(0, 4).SelectMany(_ => names).ToArray();
        Parallel.ForEach(work, new ParallelOptions { MaxDegreeOfParallelism = 4 }, name =>
        {
            Assert.Equal(reference[name], tokenizers.MistralJson.Encode(ExpectedIds.Texts[name]));
            Assert.Equal(reference[name], tokenizers.MistralModel.Encode(ExpectedIds.Texts[name]));
        });
    }
}
