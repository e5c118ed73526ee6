using System.Text;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

/// <summary>The model folder resolves its tokenizer from the files in it; documents then go through that tokenizer.</summary>
public sealed class TokenizerTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private string Dir => _tmp.PathName;

    public void Dispose() => _tmp.Dispose();

    private ModelFolder Open(int vocab, string? tokenizerFile = null)
    {
        new TinyModelBuilder(vocab: vocab).WriteSingle(Dir);
        if (tokenizerFile is not null) File.WriteAllText(Path.Combine(Dir, tokenizerFile), "{}");
        return ModelFolder.Open(Dir);
    }

    private string Doc(string name, string text)
    {
        var p = _tmp.File(name);
        File.WriteAllText(p, text);
        return p;
    }

    [Fact]
    public void Vocab_256_without_a_tokenizer_file_is_byte_level()
    {
        using var folder = Open(256);
        Assert.IsType<ByteTokenizer>(folder.Tokenizer);
        Assert.Equal(256, folder.Tokenizer.VocabSize);
        Assert.Contains("byte-level", folder.Tokenizer.Describe, StringComparison.Ordinal);
        var doc = Doc("d.txt", "héllo");
        Assert.Equal(Encoding.UTF8.GetBytes("héllo").Select(b => (int)b), SampleSet.Load(doc, 6, 1, folder.Tokenizer).Samples[0].Tokens);
    }

    [Theory]
    [InlineData("tokenizer.json")]
    [InlineData("tokenizer.model")]
    public void A_broken_tokenizer_file_is_refused_naming_the_file(string file)
    {
        new TinyModelBuilder(vocab: 256).WriteSingle(Dir);
        File.WriteAllText(Path.Combine(Dir, file), "{}"); // even with a byte-sized vocabulary: the file says how to tokenize
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Contains(Path.Combine(Dir, file), e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_real_vocabulary_without_a_tokenizer_file_refuses_raw_text_naming_the_model()
    {
        using var folder = Open(16);
        var e = Assert.Throws<InputException>(() => SampleSet.Load(Doc("d.txt", "some text"), 4, 1, folder.Tokenizer));
        Assert.Contains("vocab_size=16", e.Message, StringComparison.Ordinal);
        Assert.Contains(Dir, e.Message, StringComparison.Ordinal);
        Assert.Contains(".ids", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_named_tokenizer_json_is_reported_as_a_directory()
    {
        new TinyModelBuilder(vocab: 256).WriteSingle(Dir);
        Directory.CreateDirectory(Path.Combine(Dir, "tokenizer.json"));
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Equal(Path.Combine(Dir, "tokenizer.json"), e.Origin);
        Assert.Contains("found a directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Document_text_decodes_strictly_and_names_the_first_invalid_byte()
    {
        var text = DocumentText.FromBytes("doc.txt", [(byte)'o', (byte)'k', 0xC3, 0x28]);
        Assert.Equal([(byte)'o', (byte)'k', 0xC3, 0x28], text.Bytes.ToArray());
        var e = Assert.Throws<InputException>(() => text.Text);
        Assert.Equal("doc.txt", e.Origin);
        Assert.Contains("invalid UTF-8 at byte 3", e.Message, StringComparison.Ordinal);

        var fromString = DocumentText.FromString("row 7", "é");
        Assert.Equal("é", fromString.Text);
        Assert.Equal([0xC3, 0xA9], fromString.Bytes.ToArray());
    }
}
