using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// Decides a model folder's tokenizer from the files in it, the way transformers' AutoTokenizer looks for them:
/// tokenizer.json (Hugging Face fast tokenizer, read by Hugging Face's own tokenizers library), then tokenizer.model
/// (SentencePiece, read by the project's SentencePiece BPE encoder); with neither, a vocab_size of 256 means a
/// byte-level model. BOS/EOS follow tokenizer_config.json and the tokenizer.json post-processor as AutoTokenizer does.
/// </summary>
internal static class TokenizerResolver
{
    public static readonly IReadOnlyList<string> TokenizerFiles = ["tokenizer.json", "tokenizer.model"];

    public static ITokenizer Resolve(string directory, ModelConfig config)
    {
        foreach (var name in TokenizerFiles)
        {
            var path = Path.Combine(directory, name);
            if (Directory.Exists(path))
                throw new InputException(path, "", $"a {name} tokenizer file (or nothing by that name)", "a directory");
        }
        var text = LongRopeSearch.Tokenizers.TokenizerFolder.Open(directory);
        if (text is not null) return new TextTokenizer(text, config.VocabSize, directory);
        if (config.VocabSize == 256) return new ByteTokenizer(directory);
        return new IdsOnlyTokenizer(config.VocabSize,
            $"model {directory} has no tokenizer.json or tokenizer.model and vocab_size={config.VocabSize} is not byte-level (256)");
    }
}
