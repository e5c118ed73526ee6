using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// Decides a model folder's tokenizer from the files in it, the way transformers' AutoTokenizer looks for them:
/// tokenizer.json (Hugging Face fast tokenizer), then tokenizer.model (SentencePiece); with neither, a vocab_size of
/// 256 means a byte-level model.
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
            if (File.Exists(path))
                return new IdsOnlyTokenizer(config.VocabSize, $"tokenizing raw text with {path} is not supported yet");
        }
        if (config.VocabSize == 256) return new ByteTokenizer(directory);
        return new IdsOnlyTokenizer(config.VocabSize,
            $"model {directory} has no tokenizer.json or tokenizer.model and vocab_size={config.VocabSize} is not byte-level (256)");
    }
}
