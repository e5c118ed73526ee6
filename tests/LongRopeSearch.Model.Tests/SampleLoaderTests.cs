using System.Text;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

public sealed class SampleLoaderTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static ModelConfig Config(bool byteLevel, int vocab) => new()
    {
        ModelType = "llama", VocabSize = vocab, HiddenSize = 8, IntermediateSize = 8, NumLayers = 1, NumHeads = 1,
        NumKvHeads = 1, HeadDim = 8, RopeTheta = 10000, RmsNormEps = 1e-5, MaxPositionEmbeddings = 16,
        OriginalMaxPositionEmbeddings = 16, TieWordEmbeddings = false, QkvBias = false, OutputBias = false,
        ByteLevel = byteLevel, SourcePath = "/models/m/config.json",
    };

    private static readonly ModelConfig ByteModel = Config(byteLevel: true, vocab: 256);
    private static readonly ModelConfig TokenModel = Config(byteLevel: false, vocab: 1000);

    private string Doc(string name, string text)
    {
        var p = _tmp.File(name);
        File.WriteAllBytes(p, Encoding.UTF8.GetBytes(text));
        return p;
    }

    [Fact]
    public void Byte_level_samples_are_the_first_L_bytes_of_qualifying_documents_in_ordinal_name_order()
    {
        Doc("b.txt", "bravo-document");
        Doc("a.txt", "alpha-document");
        Doc("C.txt", "Charlie-doc");   // uppercase sorts before lowercase in ordinal order
        Doc("d.txt", "short");         // shorter than L: skipped
        Doc(".hidden", "hidden-document-ignored");
        Directory.CreateDirectory(_tmp.File("sub"));
        File.WriteAllText(Path.Combine(_tmp.File("sub"), "x.txt"), "nested-document-ignored");

        var set = SampleSet.Load(_tmp.PathName, 6, null, ByteModel);
        Assert.Equal(6, set.Length);
        Assert.Equal(_tmp.PathName, set.Source);
        Assert.Equal(["C.txt", "a.txt", "b.txt"], set.Samples.Select(s => s.Document));
        Assert.Equal(Encoding.ASCII.GetBytes("Charli").Select(b => (int)b), set.Samples[0].Tokens);
        Assert.Equal(Encoding.ASCII.GetBytes("alpha-").Select(b => (int)b), set.Samples[1].Tokens);
    }

    [Fact]
    public void Count_takes_the_first_K_qualifying_documents()
    {
        Doc("a", "xx");
        Doc("b", "bbbbbb");
        Doc("c", "cccccc");
        Doc("d", "dddddd");
        var set = SampleSet.Load(_tmp.PathName, 4, 2, ByteModel);
        Assert.Equal(["b", "c"], set.Samples.Select(s => s.Document));
    }

    [Fact]
    public void Bytes_above_127_are_tokens_128_to_255()
    {
        var p = _tmp.File("bin");
        File.WriteAllBytes(p, [0, 255, 128, 7]);
        var set = SampleSet.Load(p, 4, 1, ByteModel);
        Assert.Equal([0, 255, 128, 7], set.Samples[0].Tokens);
    }

    [Fact]
    public void A_single_file_is_one_document()
    {
        var p = Doc("one.txt", "hello world");
        var set = SampleSet.Load(p, 5, null, ByteModel);
        Assert.Equal("one.txt", Assert.Single(set.Samples).Document);
    }

    [Fact]
    public void Ids_files_are_read_as_token_ids_for_any_model()
    {
        var p = Doc("a.ids", " 5 17\n999\t0  3 \r\n");
        var set = SampleSet.Load(p, 4, 1, TokenModel);
        Assert.Equal([5, 17, 999, 0], set.Samples[0].Tokens);
    }

    [Fact]
    public void Too_few_qualifying_documents_names_path_counts_and_length()
    {
        Doc("a", "long enough text");
        Doc("b", "short");
        var e = Assert.Throws<InputException>(() => SampleSet.Load(_tmp.PathName, 10, 2, ByteModel));
        Assert.Equal(_tmp.PathName, e.Origin);
        Assert.Contains("--samples asks for 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("1 documents with at least 10 tokens", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_qualifying_document_without_a_count()
    {
        Doc("a", "short");
        var e = Assert.Throws<InputException>(() => SampleSet.Load(_tmp.PathName, 10, null, ByteModel));
        Assert.Contains("at least 10 tokens", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-5)]
    public void Length_below_two_is_refused(int length)
    {
        Doc("a", "text");
        var e = Assert.Throws<InputException>(() => SampleSet.Load(_tmp.PathName, length, null, ByteModel));
        Assert.Equal("--length", e.Origin);
        Assert.Contains("an integer ≥ 2", e.Message, StringComparison.Ordinal);
        Assert.Contains(length.ToString(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_path_is_named()
    {
        var missing = _tmp.File("nope");
        var e = Assert.Throws<InputException>(() => SampleSet.Load(missing, 4, null, ByteModel));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("no such file or directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_text_for_a_model_with_a_real_vocabulary_is_refused()
    {
        var p = Doc("a.txt", "plain text that would need a tokenizer");
        var e = Assert.Throws<InputException>(() => SampleSet.Load(p, 4, null, TokenModel));
        Assert.Contains(p, e.Message, StringComparison.Ordinal);
        Assert.Contains(".ids", e.Message, StringComparison.Ordinal);
        Assert.Contains("no tokenizer", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1 2 x3 4", 2, "\"x3\"")]
    [InlineData("1 -2 3", 1, "\"-2\"")]
    [InlineData("1 2 3 1000", 3, "\"1000\"")]
    [InlineData("99999999999999 1", 0, "\"99999999999999\"")]
    public void Bad_token_ids_name_file_index_and_value(string text, int index, string shown)
    {
        var p = Doc("a.ids", text);
        var e = Assert.Throws<InputException>(() => SampleSet.Load(p, 2, null, TokenModel));
        Assert.Contains(p, e.Message, StringComparison.Ordinal);
        Assert.Contains($"token index {index}", e.Message, StringComparison.Ordinal);
        Assert.Contains(shown, e.Message, StringComparison.Ordinal);
        Assert.Contains("[0, 1000)", e.Message, StringComparison.Ordinal);
    }
}
