using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// A document's text as its source stored it: a file's exact bytes (not necessarily valid UTF-8: a byte-level model
/// reads raw bytes, and a text file's bytes must reach it unchanged), or a string a corpus format (JSON Lines,
/// Parquet) decoded. A byte-level tokenizer reads <see cref="Bytes"/>; a text tokenizer reads <see cref="Text"/>.
/// </summary>
public sealed class DocumentText
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private byte[]? _bytes; // the stored bytes, or the UTF-8 of _text once asked for
    private string? _text;  // the decoded text, once asked for

    private DocumentText(string origin, byte[]? bytes, string? text)
    {
        Origin = origin;
        _bytes = bytes;
        _text = text;
    }

    /// <summary>What messages name: the file (later also the row of a JSON Lines or Parquet corpus).</summary>
    public string Origin { get; }

    public static DocumentText FromBytes(string origin, byte[] bytes) => new(origin, bytes, null);

    public static DocumentText FromString(string origin, string text) => new(origin, null, text);

    /// <summary>The stored bytes; for text from a string, its UTF-8 encoding.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes ??= Encoding.UTF8.GetBytes(_text!);

    /// <summary>
    /// The text. Stored bytes must be valid UTF-8: a tokenizer must not see replacement characters that silently
    /// stand for bytes it never got, so invalid bytes are an InputException naming the document and the byte.
    /// </summary>
    public string Text
    {
        get
        {
            if (_text is not null) return _text;
            try
            {
                return _text = Strict.GetString(_bytes!);
            }
            catch (DecoderFallbackException e)
            {
                throw new InputException(Origin, "", "UTF-8 text", $"invalid UTF-8 at byte {InputFiles.FirstInvalidUtf8(_bytes!) + 1}", e);
            }
        }
    }
}
