namespace LongRopeSearch.Store.Gguf;

/// <summary>
/// The 256-token vocabulary of a byte-level model (token id b is byte b) written as a llama.cpp "gpt2" (byte-level
/// BPE) tokenizer with no merges. llama.cpp's BPE maps every input byte to one printable character with GPT-2's
/// bytes_to_unicode table and looks each character up as a token; with token b spelled as that character and no
/// merges to join them, tokenizing text gives exactly its UTF-8 bytes, and detokenizing maps each token back to its
/// byte. (A "llama" SentencePiece vocabulary with &lt;0xXX&gt; byte tokens would not do: it rewrites spaces to U+2581
/// before the byte fallback, so a space would become three tokens.)
/// </summary>
public static class ByteVocabulary
{
    /// <summary>llama_token_type NORMAL.</summary>
    public const int NormalTokenType = 1;

    /// <summary>tokenizer.ggml.tokens: token b is bytes_to_unicode(b) as UTF-8.</summary>
    public static string[] Tokens()
    {
        var map = BytesToUnicode();
        return Enumerable.Range(0, 256).Select(b => char.ConvertFromUtf32(map[b])).ToArray();
    }

    /// <summary>
    /// GPT-2's reversible byte → code point table: the printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to
    /// themselves, the other 68 bytes in increasing order to U+0100, U+0101, ...
    /// </summary>
    public static int[] BytesToUnicode()
    {
        var map = new int[256]; // [byte] → code point
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            map[b] = printable ? b : next++;
        }
        return map;
    }
}
