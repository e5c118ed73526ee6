using System.Text;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

/// <summary>The sample rule of <see cref="SampleSet"/>: documents → token streams through one path → first L tokens.</summary>
public sealed class SampleSetTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    private static readonly ITokenizer Bytes = new ByteTokenizer("/models/m");
    private static readonly ITokenizer IdsOnly = new IdsOnlyTokenizer(1000, "model /models/m has no tokenizer");

    /// <summary>One token per whitespace-separated word (id = word length), counting every Encode call per document.</summary>
    private sealed class WordTokenizer : ITokenizer
    {
        public Dictionary<string, int> Calls { get; } = [];
        public string Describe => "words";
        public int VocabSize => 100;

        public int[] Encode(DocumentText text)
        {
            Calls[Path.GetFileName(text.Origin)] = Calls.GetValueOrDefault(Path.GetFileName(text.Origin)) + 1;
            return text.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Length).ToArray();
        }
    }

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
        File.WriteAllText(Path.Combine(_tmp.File("sub"), "x.txt"), "nested-document-read"); // "sub/x.txt" sorts after "d.txt"
        Directory.CreateDirectory(_tmp.File(".git"));
        File.WriteAllText(Path.Combine(_tmp.File(".git"), "y.txt"), "hidden-directory-ignored");

        var set = SampleSet.Load(_tmp.PathName, 6, null, Bytes);
        Assert.Equal(6, set.Length);
        Assert.Equal(_tmp.PathName, set.Source);
        Assert.Equal(["C.txt", "a.txt", "b.txt", "sub/x.txt"], set.Samples.Select(s => s.Document));
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
        var set = SampleSet.Load(_tmp.PathName, 4, 2, Bytes);
        Assert.Equal(["b", "c"], set.Samples.Select(s => s.Document));
    }

    [Fact]
    public void Bytes_above_127_are_tokens_128_to_255_even_when_not_valid_utf8()
    {
        var p = _tmp.File("bin");
        File.WriteAllBytes(p, [0, 255, 128, 7]);
        var set = SampleSet.Load(p, 4, 1, Bytes);
        Assert.Equal([0, 255, 128, 7], set.Samples[0].Tokens);
    }

    [Fact]
    public void A_single_file_is_one_document()
    {
        var p = Doc("one.txt", "hello world");
        var set = SampleSet.Load(p, 5, null, Bytes);
        Assert.Equal("one.txt", Assert.Single(set.Samples).Document);
    }

    [Fact]
    public void Ids_files_are_read_as_token_ids_for_any_model()
    {
        var p = Doc("a.ids", " 5 17\n999\t0  3 \r\n");
        Assert.Equal([5, 17, 999, 0], SampleSet.Load(p, 4, 1, IdsOnly).Samples[0].Tokens);
        var small = Doc("b.ids", "5 17 200 0");
        Assert.Equal([5, 17, 200, 0], SampleSet.Load(small, 4, 1, Bytes).Samples[0].Tokens);
    }

    [Fact]
    public void Long_enough_is_decided_by_token_count_not_by_file_size()
    {
        Doc("a.txt", "one two three");                      // 13 bytes, 3 tokens
        Doc("b.txt", "a b c d e");                          // 9 bytes, 5 tokens
        var set = SampleSet.Load(_tmp.PathName, 4, null, new WordTokenizer());
        var sample = Assert.Single(set.Samples);
        Assert.Equal("b.txt", sample.Document);
        Assert.Equal([1, 1, 1, 1], sample.Tokens);
    }

    [Fact]
    public void The_tokenizer_gets_each_whole_document_once_and_documents_after_the_last_sample_are_not_read()
    {
        Doc("a.txt", "one two three four five six");
        Doc("b.txt", "x y");
        Doc("c.txt", "alpha beta gamma delta");
        Doc("d.txt", "never read by a request for two samples");
        var tokenizer = new WordTokenizer();
        var corpus = TokenizedCorpus.Open(_tmp.PathName, tokenizer);

        var at3 = corpus.Samples(3, 2);
        var at4 = corpus.Samples(4, 2);

        Assert.Equal(["a.txt", "c.txt"], at3.Samples.Select(s => s.Document));
        Assert.Equal(["a.txt", "c.txt"], at4.Samples.Select(s => s.Document));
        Assert.Equal([3, 3, 5, 4], at4.Samples[0].Tokens);
        Assert.Equal(new Dictionary<string, int> { ["a.txt"] = 1, ["b.txt"] = 1, ["c.txt"] = 1 }, tokenizer.Calls);
    }

    [Fact]
    public void Token_ids_outside_the_vocabulary_name_the_document_and_index()
    {
        var p = Doc("a.ids", "1 2 3 1000");
        var e = Assert.Throws<InputException>(() => SampleSet.Load(p, 2, null, IdsOnly));
        Assert.Equal(p, e.Origin);
        Assert.Contains("token index 3", e.Message, StringComparison.Ordinal);
        Assert.Contains("[0, 1000)", e.Message, StringComparison.Ordinal);
        Assert.Contains("found 1000", e.Message, StringComparison.Ordinal);
        Assert.Throws<InputException>(() => SampleSet.Load(Doc("b.ids", "255 256"), 2, null, Bytes));
    }

    [Fact]
    public void Too_few_qualifying_documents_names_path_counts_length_and_who_asked()
    {
        Doc("a", "long enough text");
        Doc("b", "short");
        var e = Assert.Throws<InputException>(() => SampleSet.Load(_tmp.PathName, 10, 2, Bytes, "--samples"));
        Assert.Equal(_tmp.PathName, e.Origin);
        Assert.Contains("--samples asks for 2", e.Message, StringComparison.Ordinal);
        Assert.Contains("1 documents with at least 10 tokens", e.Message, StringComparison.Ordinal);

        // Without an origin the message names no command-line option (a job's count comes from its search space).
        var neutral = Assert.Throws<InputException>(() => SampleSet.Load(_tmp.PathName, 10, 2, Bytes));
        Assert.Contains("2 samples were asked for", neutral.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("--", neutral.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_qualifying_document_without_a_count()
    {
        Doc("a", "short");
        var e = Assert.Throws<InputException>(() => SampleSet.Load(_tmp.PathName, 10, null, Bytes));
        Assert.Contains("at least 10 tokens", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(0)]
    [InlineData(-5)]
    public void Length_below_two_is_refused(int length)
    {
        Doc("a", "text");
        var e = Assert.Throws<InputException>(() => SampleSet.Load(_tmp.PathName, length, null, Bytes));
        Assert.Equal(_tmp.PathName, e.Origin);
        Assert.Equal("sample length", e.Field);
        Assert.Contains("at least 2 tokens", e.Message, StringComparison.Ordinal);
        Assert.Contains(length.ToString(), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_path_is_named()
    {
        var missing = _tmp.File("nope");
        var e = Assert.Throws<InputException>(() => SampleSet.Load(missing, 4, null, Bytes));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("no such file or directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_text_for_a_model_without_a_usable_tokenizer_is_refused_saying_ids_files_are_accepted()
    {
        var p = Doc("a.txt", "plain text that would need a tokenizer");
        var e = Assert.Throws<InputException>(() => SampleSet.Load(p, 4, null, IdsOnly));
        Assert.Equal(p, e.Origin);
        Assert.Contains(".ids", e.Message, StringComparison.Ordinal);
        Assert.Contains("no tokenizer", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1 2 x3 4", 2, "\"x3\"")]
    [InlineData("1 -2 3", 1, "\"-2\"")]
    [InlineData("99999999999999 1", 0, "\"99999999999999\"")]
    [InlineData("1 2147483648", 1, "\"2147483648\"")]
    public void Malformed_token_ids_name_file_index_and_value(string text, int index, string shown)
    {
        var p = Doc("a.ids", text);
        var e = Assert.Throws<InputException>(() => SampleSet.Load(p, 2, null, IdsOnly));
        Assert.Equal(p, e.Origin);
        Assert.Contains($"token index {index}", e.Message, StringComparison.Ordinal);
        Assert.Contains(shown, e.Message, StringComparison.Ordinal);
        Assert.Contains("a decimal token id", e.Message, StringComparison.Ordinal);
    }
}
