namespace LongRopeSearch.Model;

/// <summary>One evaluation sample: the first L tokens of a document.</summary>
public sealed record Sample(string Document, int[] Tokens);

/// <summary>
/// The evaluation samples of one length. Rule (shared with tools/torch_llama.py): the data path is a file or a
/// directory whose documents are its top-level regular files not starting with '.', sorted by ordinal name;
/// a document's tokens are its raw bytes for a byte-level model, or whitespace-separated decimal ids for a
/// file ending in ".ids"; each document with at least L tokens gives one sample, its first L tokens;
/// the first K such samples are taken.
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

    /// <summary>Loads samples; <paramref name="count"/> null takes every qualifying document.</summary>
    public static SampleSet Load(string path, int length, int? count, ModelConfig config) =>
        SampleLoader.Load(path, length, count, config);

    /// <summary>Every document's whole token sequence, in the same document order as <see cref="Load"/>.</summary>
    public static IReadOnlyList<int[]> LoadDocuments(string path, ModelConfig config) => SampleLoader.LoadDocuments(path, config);
}
