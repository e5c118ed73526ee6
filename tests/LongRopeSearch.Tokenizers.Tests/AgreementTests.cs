using Xunit;

namespace LongRopeSearch.Tokenizers.Tests;

/// <summary>
/// Each adapter's ids equal an independent implementation's on every fixture text (Unicode, whitespace runs, digits,
/// code, a 200 KB document). References: @huggingface/tokenizers (JavaScript) for tokenizer.json, Google's
/// SentencePiece (C++ as WebAssembly) for tokenizer.model.
/// </summary>
public sealed class AgreementTests(FixtureTokenizers tokenizers) : IClassFixture<FixtureTokenizers>
{
    public static TheoryData<string> Qwen3Cases => ExpectedIds.CaseNames("qwen3.tokenizer-json.json");
    public static TheoryData<string> MistralJsonCases => ExpectedIds.CaseNames("mistral-v0.1.tokenizer-json.json");
    public static TheoryData<string> MistralModelCases => ExpectedIds.CaseNames("mistral-v0.1.tokenizer-model.json");

    [Theory]
    [MemberData(nameof(Qwen3Cases))]
    public void Qwen3_tokenizer_json_matches_huggingface_js(string name) =>
        AssertIds("qwen3.tokenizer-json.json", name, tokenizers.Qwen3Json);

    [Theory]
    [MemberData(nameof(MistralJsonCases))]
    public void Mistral_tokenizer_json_matches_huggingface_js(string name) =>
        AssertIds("mistral-v0.1.tokenizer-json.json", name, tokenizers.MistralJson);

    [Theory]
    [MemberData(nameof(MistralModelCases))]
    public void Mistral_tokenizer_model_matches_google_sentencepiece(string name) =>
        AssertIds("mistral-v0.1.tokenizer-model.json", name, tokenizers.MistralModel);

    /// <summary>What AutoTokenizer does with a folder holding only tokenizer.model: it converts it to the fast
    /// tokenizer, i.e. the same model's tokenizer.json. Includes the text that names special tokens.</summary>
    [Theory]
    [MemberData(nameof(MistralJsonCases))]
    public void Mistral_tokenizer_model_matches_huggingface_js_on_the_same_models_tokenizer_json(string name) =>
        AssertIds("mistral-v0.1.tokenizer-json.json", name, tokenizers.MistralModel);

    [Fact]
    public void Fixtures_cover_the_required_kinds_of_text()
    {
        var texts = ExpectedIds.Texts;
        Assert.True(texts.Count >= 30, $"{texts.Count} texts");
        Assert.True(System.Text.Encoding.UTF8.GetByteCount(texts["document-200k"]) >= 200_000);
        foreach (var kind in new[] { "cjk-chinese", "accents-nfc", "emoji", "runs-of-spaces", "newlines", "digits", "code-python" })
            Assert.Contains(kind, texts.Keys);
        // Every fixture file has every text (the SentencePiece one all but the special-token text).
        Assert.Equal(texts.Count, ExpectedIds.For("qwen3.tokenizer-json.json").Count);
        Assert.Equal(texts.Count, ExpectedIds.For("mistral-v0.1.tokenizer-json.json").Count);
        Assert.Equal(texts.Count - 1, ExpectedIds.For("mistral-v0.1.tokenizer-model.json").Count);
    }

    private static void AssertIds(string file, string name, ITextTokenizer tokenizer)
    {
        var expected = ExpectedIds.For(file)[name];
        var actual = tokenizer.Encode(ExpectedIds.Texts[name]);
        if (expected.SequenceEqual(actual)) return;
        var first = Enumerable.Range(0, Math.Min(expected.Length, actual.Length)).FirstOrDefault(i => expected[i] != actual[i], Math.Min(expected.Length, actual.Length));
        Assert.Fail($"{file} / {name}: {actual.Length} ids, expected {expected.Length}; first difference at {first}: "
            + $"[{string.Join(",", actual.Skip(first).Take(8))}] vs expected [{string.Join(",", expected.Skip(first).Take(8))}]");
    }
}
