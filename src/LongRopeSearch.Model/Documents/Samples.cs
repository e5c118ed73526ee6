namespace LongRopeSearch.Model;

/// <summary>One evaluation sample: the first L tokens of a document.</summary>
public sealed record Sample(string Document, int[] Tokens);

/// <summary>
/// The evaluation samples of one length. Rule (shared with tools/torch_llama.py for plain files): the documents of
/// the data path in <see cref="DocumentFiles"/> order (files by ordinal relative path, recursively, names starting
/// with '.' skipped; then the rows of a JSON Lines or Parquet file in order); a document's token stream is its
/// whitespace-separated decimal ids for a ".ids" file, otherwise the model's tokenizer applied to the whole document
/// (its raw bytes for a byte-level model; BOS first when the model's tokenizer adds one); each document whose stream
/// has at least L tokens gives one sample, its first L tokens; the first K such samples are taken.
/// </summary>
public sealed class SampleSet
{
    public SampleSet(string source, int length, IReadOnlyList<Sample> samples)
    {
        Source = source;
        Length = length;
        Samples = samples;
    }

    public string Source { get; }
    public int Length { get; }
    public IReadOnlyList<Sample> Samples { get; }

    /// <summary>
    /// Loads samples through <paramref name="tokenizer"/> (the model folder's, <see cref="ModelFolder.Tokenizer"/>);
    /// <paramref name="count"/> null takes every qualifying document. To take samples at several lengths from the
    /// same documents, keep one <see cref="TokenizedCorpus"/> instead: it tokenizes each document once.
    /// </summary>
    public static SampleSet Load(string path, int length, int? count, ITokenizer tokenizer, string? countOrigin = null) =>
        TokenizedCorpus.Open(path, tokenizer).Samples(length, count, countOrigin);

    /// <summary>Every document's whole token stream, in the same document order as <see cref="Load"/> (benchmarks concatenate them).</summary>
    public static IReadOnlyList<int[]> LoadDocuments(string path, ITokenizer tokenizer) =>
        TokenizedCorpus.Open(path, tokenizer).Streams().Select(s => s.Tokens).ToList();
}
