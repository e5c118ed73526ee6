using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// Implements the sample rule documented on <see cref="SampleSet"/>. Precedence per document: a ".ids" file is
/// pre-tokenized ids for any model; any other file is raw bytes, which only a byte-level model can read (there is
/// no tokenizer in this tool).
/// </summary>
internal static class SampleLoader
{
    public const string IdsExtension = ".ids";

    public static SampleSet Load(string path, int length, int? count, ModelConfig config)
    {
        if (length <= 1)
            throw new InputException("--length", "", "an integer ≥ 2 (one token of context and one to predict)", length.ToString());
        if (count is <= 0)
            throw new InputException("--samples", "", "a positive integer", count.Value.ToString());

        var samples = new List<Sample>();
        foreach (var doc in ListDocuments(path))
        {
            if (samples.Count == count) break;
            if (ReadPrefix(doc, length, config) is { } tokens) samples.Add(new Sample(Path.GetFileName(doc), tokens));
        }

        if (count is { } k && samples.Count < k)
            throw new InputException(path, "", $"at least {k} documents with at least {length} tokens (--samples asks for {k})",
                $"{samples.Count} documents with at least {length} tokens");
        if (samples.Count == 0)
            throw new InputException(path, "", $"at least one document with at least {length} tokens (--length {length})",
                "none");
        return new SampleSet(path, length, samples);
    }

    /// <summary>
    /// A file is one document; a directory's documents are its top-level regular files whose names do not start
    /// with '.', sorted by the UTF-8 bytes of the name (the order Python's sorted() gives on str).
    /// </summary>
    public static IReadOnlyList<string> ListDocuments(string path)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path))
            throw new InputException(path, "", "an existing document file or directory of documents", "no such file or directory");
        return Directory.EnumerateFiles(path)
            .Where(p => !Path.GetFileName(p).StartsWith('.'))
            .OrderBy(p => Encoding.UTF8.GetBytes(Path.GetFileName(p)), Utf8Order.Instance)
            .ToList();
    }

    /// <summary>Every document's whole token sequence, in document order (benchmarks concatenate them).</summary>
    public static IReadOnlyList<int[]> LoadDocuments(string path, ModelConfig config) =>
        ListDocuments(path).Select(doc => ReadPrefix(doc, DocumentLength(doc), config) ?? []).ToList();

    private static int DocumentLength(string doc) =>
        doc.EndsWith(IdsExtension, StringComparison.Ordinal) ? 0 : (int)Math.Min(int.MaxValue, new FileInfo(doc).Length);

    /// <summary>The first <paramref name="length"/> tokens of the document, or null when it is shorter.</summary>
    private static int[]? ReadPrefix(string doc, int length, ModelConfig config)
    {
        if (doc.EndsWith(IdsExtension, StringComparison.Ordinal))
        {
            var ids = TokenIdsParser.Parse(doc, File.ReadAllBytes(doc), config.VocabSize);
            if (length == 0) return ids; // the whole document
            return ids.Length >= length ? ids[..length] : null;
        }
        if (!config.ByteLevel)
            throw new InputException(doc, "", $"a pre-tokenized {IdsExtension} file of whitespace-separated token ids: " +
                $"model {config.SourcePath} is not byte-level (vocab_size={config.VocabSize} or a tokenizer file) and this tool has no tokenizer",
                "a raw file");

        // Raw bytes: read only the prefix; documents may be far longer than L.
        using var stream = new FileStream(doc, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        if (stream.Length < length) return null;
        var bytes = new byte[length];
        stream.ReadExactly(bytes);
        var tokens = new int[length]; // [L] byte values 0..255
        for (int i = 0; i < length; i++) tokens[i] = bytes[i];
        return tokens;
    }

    private sealed class Utf8Order : IComparer<byte[]>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
