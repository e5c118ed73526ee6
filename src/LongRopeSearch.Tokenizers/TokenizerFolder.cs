namespace LongRopeSearch.Tokenizers;

/// <summary>Which tokenizer a Hugging Face model folder brings, by the files it holds.</summary>
public static class TokenizerFolder
{
    /// <summary>
    /// tokenizer.json → <see cref="HuggingFaceTokenizer"/> (Hugging Face's implementation, as AutoTokenizer prefers it);
    /// otherwise tokenizer.model → <see cref="SentencePieceModelTokenizer"/>; otherwise null (the caller keeps its
    /// byte-level or pre-tokenized path). Bad files throw <see cref="LongRopeSearch.Core.InputException"/>.
    /// </summary>
    public static ITextTokenizer? Open(string modelFolder)
    {
        if (File.Exists(Path.Combine(modelFolder, HuggingFaceTokenizer.FileName))) return HuggingFaceTokenizer.Load(modelFolder);
        if (File.Exists(Path.Combine(modelFolder, SentencePieceModelTokenizer.FileName))) return SentencePieceModelTokenizer.Load(modelFolder);
        return null;
    }
}
