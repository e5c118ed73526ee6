using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// The tokenizer of a model whose text this tool cannot tokenize yet: a folder with tokenizer.json or
/// tokenizer.model (until the Hugging Face tokenizers are plugged in behind <see cref="ITokenizer"/>), or a model
/// with neither a tokenizer file nor a byte vocabulary. Its documents must be pre-tokenized ".ids" files; raw text
/// is refused with a message saying why and what is accepted.
/// </summary>
internal sealed class IdsOnlyTokenizer(int vocabSize, string reason) : ITokenizer
{
    public string Describe => $"none ({reason}): documents must be pre-tokenized {DocumentFiles.IdsExtension} files";

    public int VocabSize => vocabSize;

    public int[] Encode(DocumentText text) =>
        throw new InputException(text.Origin, "",
            $"a pre-tokenized {DocumentFiles.IdsExtension} file of whitespace-separated token ids ({reason})", "raw text");
}
