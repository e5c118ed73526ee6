namespace LongRopeSearch.Model;

/// <summary>
/// A model folder's own tokenizer (tokenizer.json through Hugging Face's tokenizers, or tokenizer.model through the
/// SentencePiece encoder; <see cref="LongRopeSearch.Tokenizers.TokenizerFolder"/>) seen as the model's
/// <see cref="ITokenizer"/>: a document's decoded text in, its ids with BOS/EOS as AutoTokenizer adds them for one
/// document out. Ids are checked against the config's vocab_size by <see cref="TokenizedCorpus"/>, like every stream.
/// </summary>
internal sealed class TextTokenizer(LongRopeSearch.Tokenizers.ITextTokenizer inner, int vocabSize, string directory) : ITokenizer
{
    public string Describe =>
        $"{inner.Description} in {directory}; BOS {(inner.AddsBos ? $"id {inner.BosId} first" : "not added")}" +
        (inner.AddsEos ? $", EOS id {inner.EosId} last" : "");

    public int VocabSize => vocabSize;

    /// <summary>True when every document's stream starts with the model's BOS token.</summary>
    public bool AddsBos => inner.AddsBos;

    public int[] Encode(DocumentText text) => inner.Encode(text.Text);
}
