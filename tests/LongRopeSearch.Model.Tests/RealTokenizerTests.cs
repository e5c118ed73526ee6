using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

/// <summary>
/// A model folder with a real tokenizer turns text documents into the ids an independent implementation gives:
/// tests/fixtures/tokenizers/mistral-v0.1-ids holds the first 64 KiB (cut after the last line end at or before byte
/// 65536) of two long documents, tokenized by @huggingface/tokenizers (JavaScript) with BOS first, as AutoTokenizer
/// encodes one document (tools/tokenizers/make_expected_ids.mjs). The same text file goes through the model folder's
/// tokenizer and the corpus loader that `eval` and `search` use.
/// </summary>
public sealed class RealTokenizerTests : IDisposable
{
    private static readonly string ModelDir = RepoPaths.Combine("tests", "fixtures", "models", "tiny-llama-mistral-tokenizer");
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>The fixture's cut of a datasets/long document, as make_expected_ids.mjs makes it.</summary>
    public static byte[] FixtureText(string split, string name)
    {
        var bytes = File.ReadAllBytes(RepoPaths.Combine("datasets", "long", split, name + ".txt"));
        int end = Array.LastIndexOf(bytes, (byte)'\n', 65536) + 1;
        return bytes[..end];
    }

    public static int[] FixtureIds(string name) =>
        File.ReadAllText(RepoPaths.Combine("tests", "fixtures", "tokenizers", "mistral-v0.1-ids", name + ".ids"))
            .Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(int.Parse).ToArray();

    private string TextCorpus()
    {
        var dir = _tmp.File("text");
        Directory.CreateDirectory(dir);
        File.WriteAllBytes(Path.Combine(dir, "austen-emma.txt"), FixtureText("search", "austen-emma"));
        File.WriteAllBytes(Path.Combine(dir, "tdavid-vol1.txt"), FixtureText("search", "tdavid-vol1"));
        return dir;
    }

    /// <summary>A copy of the model folder without tokenizer.json: tokenizer.model (SentencePiece) decides.</summary>
    private string SentencePieceOnlyModel()
    {
        var dir = _tmp.File("spm-model");
        Directory.CreateDirectory(dir);
        foreach (var f in Directory.GetFiles(ModelDir).Where(f => Path.GetFileName(f) != "tokenizer.json"))
            File.Copy(f, Path.Combine(dir, Path.GetFileName(f)));
        return dir;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Text_documents_give_the_independent_reference_ids_with_bos(bool sentencePieceOnly)
    {
        var model = sentencePieceOnly ? SentencePieceOnlyModel() : ModelDir;
        var config = ModelConfig.Load(Path.Combine(model, "config.json"));
        var tokenizer = ModelFolder.ResolveTokenizer(model, config);
        Assert.Contains(sentencePieceOnly ? "tokenizer.model" : "tokenizer.json", tokenizer.Describe, StringComparison.Ordinal);

        var streams = TokenizedCorpus.Open(TextCorpus(), tokenizer).Streams().ToList();

        Assert.Equal(["austen-emma.txt", "tdavid-vol1.txt"], streams.Select(s => s.Document));
        Assert.Equal(FixtureIds("austen-emma"), streams[0].Tokens);
        Assert.Equal(FixtureIds("tdavid-vol1"), streams[1].Tokens);
        Assert.Equal(1, streams[0].Tokens[0]); // <s>, as add_bos_token says
    }

    [Fact]
    public void Add_bos_token_false_drops_the_bos()
    {
        var model = SentencePieceOnlyModel();
        var cfgPath = Path.Combine(model, "tokenizer_config.json");
        File.WriteAllText(cfgPath, File.ReadAllText(cfgPath).Replace("\"add_bos_token\": true", "\"add_bos_token\": false", StringComparison.Ordinal));
        File.Copy(Path.Combine(ModelDir, "tokenizer.json"), Path.Combine(model, "tokenizer.json"));
        var tokenizer = ModelFolder.ResolveTokenizer(model, ModelConfig.Load(Path.Combine(model, "config.json")));

        var tokens = TokenizedCorpus.Open(TextCorpus(), tokenizer).Streams().First().Tokens;

        Assert.Equal(FixtureIds("austen-emma")[1..], tokens);
    }

    [Fact]
    public void Invalid_utf8_text_for_a_real_tokenizer_is_refused_naming_the_file()
    {
        var doc = _tmp.File("bad.txt");
        File.WriteAllBytes(doc, [(byte)'a', 0xFF, (byte)'b']);
        var tokenizer = ModelFolder.ResolveTokenizer(ModelDir, ModelConfig.Load(Path.Combine(ModelDir, "config.json")));
        var e = Assert.Throws<InputException>(() => TokenizedCorpus.Open(doc, tokenizer).Streams().ToList());
        Assert.Equal(doc, e.Origin);
    }
}
