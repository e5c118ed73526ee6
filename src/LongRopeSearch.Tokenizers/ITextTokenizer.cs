namespace LongRopeSearch.Tokenizers;

/// <summary>
/// A model's own tokenizer: one document's text to the token ids the model was trained on, special tokens added as
/// the model's settings say (see <see cref="TokenizerConfig"/>), never truncated.
/// </summary>
public interface ITextTokenizer : IDisposable
{
    /// <summary>Which file and library this is, for logs and job records, e.g. "tokenizer.json (Hugging Face tokenizers)".</summary>
    string Description { get; }

    /// <summary>Every id <see cref="Encode"/> returns is in [0, VocabSize).</summary>
    int VocabSize { get; }

    /// <summary>The beginning-of-sequence id, or null when the model has none.</summary>
    int? BosId { get; }

    /// <summary>True when every encoded document starts with <see cref="BosId"/>.</summary>
    bool AddsBos { get; }

    /// <summary>The end-of-sequence id, or null when the model has none.</summary>
    int? EosId { get; }

    /// <summary>True when every encoded document ends with <see cref="EosId"/>.</summary>
    bool AddsEos { get; }

    /// <summary>The ids of one whole document (memory linear in the text's length).</summary>
    int[] Encode(string text);
}
