using System.Text.Json;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Tokenizers.Tests;

/// <summary>The committed reference ids (tests/fixtures/tokenizers/expected, made by tools/tokenizers/make_expected_ids.mjs
/// with @huggingface/tokenizers and Google's SentencePiece) and the texts they were computed on.</summary>
public static class ExpectedIds
{
    public static string Fixtures => RepoPaths.Combine("tests", "fixtures", "tokenizers");

    public static string Qwen3 => Path.Combine(Fixtures, "qwen3");

    public static string Mistral => Path.Combine(Fixtures, "mistral-v0.1");

    private static readonly Lazy<Dictionary<string, string>> TextsLazy = new(LoadTexts);

    private static readonly Dictionary<string, Dictionary<string, int[]>> Files = [];

    /// <summary>name → text; the 200 KB document is read from the corpus file it names.</summary>
    public static IReadOnlyDictionary<string, string> Texts => TextsLazy.Value;

    /// <summary>name → expected ids of one fixture file (e.g. "qwen3.tokenizer-json.json").</summary>
    public static IReadOnlyDictionary<string, int[]> For(string file)
    {
        lock (Files)
        {
            if (!Files.TryGetValue(file, out var cases))
            {
                using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "expected", file)));
                cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToDictionary(
                    c => c.GetProperty("name").GetString()!,
                    c => c.GetProperty("ids").EnumerateArray().Select(x => x.GetInt32()).ToArray());
                Files[file] = cases;
            }
            return cases;
        }
    }

    /// <summary>Case names of one fixture file, as xunit theory data.</summary>
    public static TheoryData<string> CaseNames(string file)
    {
        var data = new TheoryData<string>();
        foreach (var name in For(file).Keys) data.Add(name);
        return data;
    }

    private static Dictionary<string, string> LoadTexts()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Fixtures, "expected", "texts.json")));
        var texts = new Dictionary<string, string>();
        foreach (var t in doc.RootElement.GetProperty("texts").EnumerateArray())
        {
            var name = t.GetProperty("name").GetString()!;
            if (t.TryGetProperty("text", out var text)) texts[name] = text.GetString()!;
            else
            {
                var bytes = File.ReadAllBytes(RepoPaths.Combine(t.GetProperty("file").GetString()!.Split('/')));
                texts[name] = new System.Text.UTF8Encoding(false, true).GetString(bytes, 0, t.GetProperty("bytes").GetInt32());
            }
        }
        return texts;
    }
}

/// <summary>The three adapters on the shipped fixture tokenizers, loaded once per test class.</summary>
public sealed class FixtureTokenizers : IDisposable
{
    public HuggingFaceTokenizer Qwen3Json { get; } = HuggingFaceTokenizer.Load(ExpectedIds.Qwen3);

    public HuggingFaceTokenizer MistralJson { get; } = HuggingFaceTokenizer.Load(ExpectedIds.Mistral);

    public SentencePieceModelTokenizer MistralModel { get; } = SentencePieceModelTokenizer.Load(ExpectedIds.Mistral);

    public void Dispose()
    {
        Qwen3Json.Dispose();
        MistralJson.Dispose();
        MistralModel.Dispose();
    }
}
