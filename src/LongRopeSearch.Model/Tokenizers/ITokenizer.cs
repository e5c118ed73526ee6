namespace LongRopeSearch.Model;

/// <summary>
/// Turns one whole document's text into the model's token ids. Resolved from the model folder
/// (<see cref="ModelFolder.Tokenizer"/>), so every command tokenizes a model's documents the same way.
/// A document is always encoded whole, as one call, because real tokenizers are not prefix-stable (a merge or a
/// beginning-of-sequence token depends on the whole text); samples are then cut from the returned stream.
/// </summary>
public interface ITokenizer
{
    /// <summary>One line for messages and logs: which tokenizer, from which file.</summary>
    string Describe { get; }

    /// <summary>
    /// The model's vocab_size: every id this tokenizer returns, and every id of a pre-tokenized ".ids" document
    /// (which bypasses the tokenizer), lies in [0, VocabSize).
    /// </summary>
    int VocabSize { get; }

    /// <summary>
    /// The token stream of one document, including any beginning-of-sequence token the model's own settings add.
    /// Throws <see cref="Core.InputException"/> naming <see cref="DocumentText.Origin"/> when the text cannot be tokenized.
    /// </summary>
    int[] Encode(DocumentText text);
}
