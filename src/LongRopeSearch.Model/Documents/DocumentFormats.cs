using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// The documents one file holds, by its name: ".ids" (one document of token ids), ".jsonl"/".ndjson" (one document
/// per non-blank line: a JSON object whose text field is a string), ".parquet" (<see cref="ParquetDocuments"/>: one
/// document per row), anything else one text document; "X.gz" is X gzip-compressed (not for Parquet, which
/// compresses inside). Files are read when the enumeration reaches them. What is wrong with a file is an
/// <see cref="InputException"/> naming it (and the line or row), never a crash.
/// </summary>
internal static class DocumentFormats
{
    private const string Gzip = ".gz";

    public static IEnumerable<Document> Read(string file, string name, string textField)
    {
        bool gz = file.EndsWith(Gzip, StringComparison.OrdinalIgnoreCase);
        var inner = gz ? file[..^Gzip.Length] : file;
        if (Has(inner, ParquetDocuments.Extension))
        {
            if (gz) throw new InputException(file, "", "an uncompressed .parquet file (Parquet compresses inside; gunzip it)", "a gzip file");
            return ParquetDocuments.Read(file, name, textField);
        }
        if (Has(inner, ".jsonl") || Has(inner, ".ndjson")) return JsonLines(file, name, textField, gz);
        if (inner.EndsWith(DocumentFiles.IdsExtension, StringComparison.Ordinal))
            return [new Document(name, file, () => new DocumentContent.Ids(TokenIdsParser.Parse(file, Bytes(file, gz))))];
        return [new Document(name, file, () => new DocumentContent.Text(DocumentText.FromBytes(file, Bytes(file, gz))))];
    }

    private static bool Has(string path, string extension) => path.EndsWith(extension, StringComparison.OrdinalIgnoreCase);

    /// <summary>The file's bytes, decompressed when it is gzip.</summary>
    private static byte[] Bytes(string file, bool gz)
    {
        var bytes = InputFiles.ReadAllBytes(file, "a readable document file");
        if (!gz) return bytes;
        try
        {
            using var input = new GZipStream(new MemoryStream(bytes, writable: false), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InputException(file, "", "a gzip-compressed file (its name ends in .gz)", $"corrupt gzip data ({e.Message})", e);
        }
    }

    /// <summary>One document per non-blank line, named "name:line" (lines counted from 1).</summary>
    private static IEnumerable<Document> JsonLines(string file, string name, string textField, bool gz)
    {
        var bytes = Bytes(file, gz);
        int line = 0, start = 0;
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0) end = bytes.Length;
            line++;
            var text = JsonLineText(file, line, bytes.AsSpan(start, end - start), textField);
            start = end + 1;
            if (text is null) continue;
            var origin = string.Create(CultureInfo.InvariantCulture, $"{file}, line {line}");
            var content = new DocumentContent.Text(DocumentText.FromString(origin, text));
            yield return new Document(string.Create(CultureInfo.InvariantCulture, $"{name}:{line}"), origin, () => content);
        }
    }

    /// <summary>The line's text field; null for a blank line.</summary>
    private static string? JsonLineText(string file, int line, ReadOnlySpan<byte> json, string textField)
    {
        if (json.Trim(" \t\r"u8).IsEmpty) return null;
        var where = string.Create(CultureInfo.InvariantCulture, $"line {line}");
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                throw new InputException(file, where, "a JSON object (JSON Lines: one object per line)", doc.RootElement.ValueKind.ToString().ToLowerInvariant());
            if (!doc.RootElement.TryGetProperty(textField, out var value))
                throw new InputException(file, where, $"a \"{textField}\" field holding the document's text (--text-field)",
                    "fields " + string.Join(", ", doc.RootElement.EnumerateObject().Select(p => p.Name).Take(10)));
            if (value.ValueKind != JsonValueKind.String)
                throw new InputException(file, $"{where}: {textField}", "a string (the document's text)", value.ValueKind.ToString().ToLowerInvariant());
            return value.GetString()!;
        }
        catch (JsonException e)
        {
            throw new InputException(file, where, "a JSON object (JSON Lines: one object per line)", $"invalid JSON ({e.Message})", e);
        }
    }

    internal static string Show(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes[..Math.Min(bytes.Length, 40)]);
}
