namespace LongRopeSearch.Model;

/// <summary>A byte-level model's tokenizer (vocab_size 256, no tokenizer file): token i is the i-th stored byte.</summary>
internal sealed class ByteTokenizer(string modelDirectory) : ITokenizer
{
    public string Describe => $"byte-level: one token per byte (vocab_size 256, no tokenizer file in {modelDirectory})";

    public int VocabSize => 256;

    public int[] Encode(DocumentText text)
    {
        var bytes = text.Bytes;
        var tokens = new int[bytes.Length]; // [document bytes] values 0..255
        for (int i = 0; i < bytes.Length; i++) tokens[i] = bytes[i];
        return tokens;
    }
}
