using System.IO.Compression;
using System.Text;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

/// <summary>
/// `--data` as a directory of mixed formats: nested files in ordinal path order, rows in order; each document read
/// and tokenized once; what is wrong is one InputException naming the file (and the line or row).
/// </summary>
public sealed class DocumentFormatsTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>One token per space-separated word (id = word length), counting Encode calls per document origin.</summary>
    private sealed class WordTokenizer : ITokenizer
    {
        public Dictionary<string, int> Calls { get; } = [];
        public string Describe => "words";
        public int VocabSize => 100;

        public int[] Encode(DocumentText text)
        {
            Calls[text.Origin] = Calls.GetValueOrDefault(text.Origin) + 1;
            return text.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(w => w.Length).ToArray();
        }
    }

    private string Dir(string name)
    {
        var d = _tmp.File(name);
        Directory.CreateDirectory(d);
        return d;
    }

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    private static void WriteGz(string path, string text)
    {
        using var f = File.Create(path);
        using var gz = new GZipStream(f, CompressionLevel.Optimal);
        gz.Write(Encoding.UTF8.GetBytes(text));
    }

    private string MixedCorpus()
    {
        var d = Dir("mixed");
        Write(Path.Combine(d, "z.txt"), "a bb ccc");
        ParquetCorpus.Write(Path.Combine(d, "data", "train-00001-of-00002.parquet"), "text", ["x yy"], ["zzz zzzz", "q"]);
        ParquetCorpus.Write(Path.Combine(d, "data", "train-00000-of-00002.parquet"), "text", ["one two three"]);
        Write(Path.Combine(d, "m.jsonl"), "{\"text\": \"hello big world\", \"meta\": 1}\n\n{\"text\": \"é\"}\n");
        WriteGz(Path.Combine(d, "n.jsonl.gz"), "{\"text\": \"gz ok\"}\n");
        Write(Path.Combine(d, "i.ids"), "7 8 9\n");
        Write(Path.Combine(d, ".hidden.txt"), "never read");
        Write(Path.Combine(d, ".cache", "x.txt"), "never read");
        return d;
    }

    [Fact]
    public void A_mixed_nested_directory_gives_documents_in_ordinal_path_order_then_row_order()
    {
        var corpus = TokenizedCorpus.Open(MixedCorpus(), new WordTokenizer());
        var streams = corpus.Streams().ToList();

        // Relative paths sorted by UTF-8 bytes: "data/..." < "i.ids" < "m.jsonl" < "n.jsonl.gz" < "z.txt".
        Assert.Equal(
            ["data/train-00000-of-00002.parquet:0", "data/train-00001-of-00002.parquet:0", "data/train-00001-of-00002.parquet:1",
             "data/train-00001-of-00002.parquet:2", "i.ids", "m.jsonl:1", "m.jsonl:3", "n.jsonl.gz:1", "z.txt"],
            streams.Select(s => s.Document));
        Assert.Equal([[3, 3, 5], [1, 2], [3, 4], [1], [7, 8, 9], [5, 3, 5], [1], [2, 2], [1, 2, 3]], streams.Select(s => s.Tokens));
    }

    [Fact]
    public void Each_document_is_tokenized_once_across_lengths()
    {
        var tokenizer = new WordTokenizer();
        var corpus = TokenizedCorpus.Open(MixedCorpus(), tokenizer);

        Assert.Equal(["data/train-00000-of-00002.parquet:0"], corpus.Samples(3, 1).Samples.Select(s => s.Document));
        Assert.Equal(7, corpus.Samples(2, null).Samples.Count);
        Assert.Equal(["data/train-00000-of-00002.parquet:0", "i.ids", "m.jsonl:1", "z.txt"], corpus.Samples(3, null).Samples.Select(s => s.Document));
        Assert.All(tokenizer.Calls.Values, n => Assert.Equal(1, n));
        Assert.Equal(8, tokenizer.Calls.Count); // every text document once (the .ids file bypasses the tokenizer)
    }

    [Fact]
    public void The_text_field_option_names_the_column_and_the_field()
    {
        var d = Dir("content");
        ParquetCorpus.Write(Path.Combine(d, "a.parquet"), "content", ["p q r"]);
        Write(Path.Combine(d, "b.jsonl"), "{\"content\": \"s t\", \"text\": \"ignored words here now\"}\n");
        var streams = TokenizedCorpus.Open(d, new WordTokenizer(), "content").Streams().ToList();
        Assert.Equal([[1, 1, 1], [1, 1]], streams.Select(s => s.Tokens));
    }

    private static InputException Fails(string data, string textField = "text") =>
        Assert.Throws<InputException>(() => TokenizedCorpus.Open(data, new WordTokenizer(), textField).Streams().ToList());

    [Fact]
    public void A_parquet_file_without_the_text_column_is_refused_naming_file_column_and_columns()
    {
        var d = Dir("nocol");
        var f = Path.Combine(d, "a.parquet");
        ParquetCorpus.Write(f, "body", ["x"]);
        var e = Fails(d);
        Assert.Equal(f, e.Origin);
        Assert.Contains("\"text\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("--text-field", e.Message, StringComparison.Ordinal);
        Assert.Contains("columns body, id", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_non_string_column_and_a_null_text_are_refused()
    {
        var d = Dir("types");
        var f = Path.Combine(d, "a.parquet");
        ParquetCorpus.Write(f, "text", ["fine", null]);
        var e = Fails(d);
        Assert.Equal(f, e.Origin);
        Assert.Contains("row 1", e.Message, StringComparison.Ordinal);
        Assert.Contains("null", e.Message, StringComparison.Ordinal);

        var e2 = Fails(d, "id");
        Assert.Contains("a string column", e2.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_corrupt_parquet_file_is_one_input_error_naming_it()
    {
        var d = Dir("corrupt");
        var f = Path.Combine(d, "a.parquet");
        File.WriteAllBytes(f, Encoding.ASCII.GetBytes("PAR1 this is not really a parquet file PAR1"));
        var e = Fails(d);
        Assert.Equal(f, e.Origin);
        Assert.Contains("a readable Parquet file", e.Message, StringComparison.Ordinal);

        var truncated = Path.Combine(Dir("trunc"), "b.parquet");
        ParquetCorpus.Write(truncated, "text", ["some text here"]);
        var bytes = File.ReadAllBytes(truncated);
        File.WriteAllBytes(truncated, bytes[..(bytes.Length / 2)]);
        Assert.Equal(truncated, Fails(Path.GetDirectoryName(truncated)!).Origin);
    }

    [Theory]
    [InlineData("{\"text\": \"ok\"}\n{\"text\": \"unterminated}\n", "line 2", "invalid JSON")]
    [InlineData("{\"body\": \"x\"}\n", "line 1", "fields body")]
    [InlineData("{\"text\": 5}\n", "line 1: text", "a string")]
    [InlineData("[1, 2]\n", "line 1", "a JSON object")]
    public void A_bad_json_lines_file_is_refused_naming_file_and_line(string content, string where, string what)
    {
        var f = Path.Combine(Dir("jsonl"), "a.jsonl");
        Write(f, content);
        var e = Fails(f);
        Assert.Equal(f, e.Origin);
        Assert.Contains(where, e.Message, StringComparison.Ordinal);
        Assert.Contains(what, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrupt_gzip_and_gzipped_parquet_are_refused()
    {
        var d = Dir("gz");
        var f = Path.Combine(d, "a.txt.gz");
        File.WriteAllBytes(f, [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0xFF, 0xFF]); // a deflate block of the reserved type 3
        var e = Fails(d);
        Assert.Equal(f, e.Origin);
        Assert.Contains("gzip", e.Message, StringComparison.Ordinal);

        var p = Path.Combine(Dir("gzp"), "a.parquet.gz");
        WriteGz(p, "x");
        Assert.Contains("uncompressed .parquet", Fails(Path.GetDirectoryName(p)!).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_corpus_and_a_corpus_without_a_long_document_say_so()
    {
        var empty = Dir("empty");
        Write(Path.Combine(empty, ".only-hidden"), "x");
        var e = Assert.Throws<InputException>(() => TokenizedCorpus.Open(empty, new WordTokenizer()).Samples(2, null));
        Assert.Equal(empty, e.Origin);
        Assert.Contains("an empty corpus", e.Message, StringComparison.Ordinal);

        var jsonlNoRows = Path.Combine(Dir("blank"), "a.jsonl");
        Write(jsonlNoRows, "\n\n");
        Assert.Contains("an empty corpus", Assert.Throws<InputException>(() => TokenizedCorpus.Open(jsonlNoRows, new WordTokenizer()).Samples(2, null)).Message, StringComparison.Ordinal);

        var shortDocs = Dir("short");
        ParquetCorpus.Write(Path.Combine(shortDocs, "a.parquet"), "text", ["a b", "c"]);
        var e2 = Assert.Throws<InputException>(() => TokenizedCorpus.Open(shortDocs, new WordTokenizer()).Samples(5, 1, "--samples"));
        Assert.Equal(shortDocs, e2.Origin);
        Assert.Contains("0 documents with at least 5 tokens", e2.Message, StringComparison.Ordinal);
    }
}
