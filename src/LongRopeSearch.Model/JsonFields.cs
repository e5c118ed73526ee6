using System.Globalization;
using System.Text.Json;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// Typed, validated access to the members of one JSON object read from a user file. Every failure is an
/// <see cref="InputException"/> naming the file, the dotted field path and the expected kind of value, so
/// loaders read like a list of fields instead of a thicket of type checks.
/// </summary>
internal readonly struct JsonFields
{
    private readonly JsonElement _obj;

    public JsonFields(string source, JsonElement obj, string prefix = "")
    {
        Source = source;
        _obj = obj;
        Prefix = prefix;
    }

    public string Source { get; }

    /// <summary>"rope_scaling." for a nested object, "" at the top level.</summary>
    public string Prefix { get; }

    public string FieldName(string name) => Prefix + name;

    /// <summary>The member, or null when absent or JSON null (transformers treats both as "use the default").</summary>
    public JsonElement? Get(string name) =>
        _obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;

    public bool Has(string name) => Get(name) is not null;

    /// <summary>The key is written in the object, even as JSON null (some transformers defaults apply only when the key is absent).</summary>
    public bool IsPresent(string name) => _obj.TryGetProperty(name, out _);

    public string RequiredString(string name) =>
        OptionalString(name) ?? throw Missing(name, "a string");

    public string? OptionalString(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.String) throw WrongType(name, "a string", v);
        return v.GetString()!;
    }

    public int RequiredPositiveInt(string name) =>
        OptionalPositiveInt(name) ?? throw Missing(name, "a positive integer");

    public int? OptionalPositiveInt(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n)) throw WrongType(name, "a positive integer", v);
        if (n <= 0 || n > int.MaxValue)
            throw new InputException(Source, FieldName(name), $"a positive integer at most {int.MaxValue}", Show(v));
        return (int)n;
    }

    public int? OptionalNonNegativeInt(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n) || n < 0 || n > int.MaxValue)
            throw new InputException(Source, FieldName(name), $"an integer in [0, {int.MaxValue}]", Show(v));
        return (int)n;
    }

    public double RequiredPositiveDouble(string name) =>
        OptionalPositiveDouble(name) ?? throw Missing(name, "a positive number");

    public double? OptionalPositiveDouble(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d)) throw WrongType(name, "a positive number", v);
        if (!(d > 0) || double.IsInfinity(d)) throw new InputException(Source, FieldName(name), "a positive finite number", Show(v));
        return d;
    }

    public double? OptionalDouble(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || double.IsInfinity(d))
            throw WrongType(name, "a number", v);
        return d;
    }

    public bool? OptionalBool(string name)
    {
        if (Get(name) is not { } v) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw WrongType(name, "true or false", v),
        };
    }

    /// <summary>A nested object member (e.g. rope_scaling), or null when absent or JSON null.</summary>
    public JsonFields? OptionalObject(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Object) throw WrongType(name, "a JSON object", v);
        return new JsonFields(Source, v, FieldName(name) + ".");
    }

    public InputException Missing(string name, string expected) =>
        new(Source, FieldName(name), expected, _obj.TryGetProperty(name, out _) ? "null" : "nothing (the field is missing)");

    public InputException WrongType(string name, string expected, JsonElement found) =>
        new(Source, FieldName(name), expected, Show(found));

    /// <summary>A short rendering of a JSON value for messages: its kind and, for scalars, its text.</summary>
    public static string Show(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => $"string \"{Truncate(v.GetString()!)}\"",
        JsonValueKind.Number => "number " + v.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => "boolean " + v.GetRawText(),
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => v.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string s) => s.Length <= 60 ? s : s[..57] + "...";

    /// <summary>
    /// Parses a whole JSON document; malformed JSON becomes an <see cref="InputException"/> with line and byte.
    /// The parser does not check that strings decode (invalid UTF-8, an escaped lone surrogate): reading such a name
    /// or value later would throw InvalidOperationException from deep inside a loader. So the bytes are checked
    /// first and every name and string is decoded once here, and a document that comes back is safe to read.
    /// </summary>
    public static JsonDocument ParseDocument(string source, ReadOnlyMemory<byte> utf8)
    {
        if (!System.Text.Unicode.Utf8.IsValid(utf8.Span))
            throw new InputException(source, "", "UTF-8 text (JSON)", $"invalid UTF-8 at byte {InputFiles.FirstInvalidUtf8(utf8.Span) + 1}");
        var doc = Parse(source, utf8);
        try
        {
            JsonInput.CheckStrings(source, doc.RootElement);
            return doc;
        }
        catch
        {
            doc.Dispose();
            throw;
        }
    }


    private static JsonDocument Parse(string source, ReadOnlyMemory<byte> utf8)
    {
        try
        {
            return JsonDocument.Parse(utf8, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            // The parser's message ends with its own zero-based " LineNumber: .. | BytePositionInLine: .." suffix; we give one-based.
            var reason = e.Message;
            int cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0) reason = reason[..cut];
            var where = e.LineNumber is { } line
                ? string.Create(CultureInfo.InvariantCulture, $"malformed JSON at line {line + 1}, byte {e.BytePositionInLine + 1}: {reason}")
                : "malformed JSON: " + reason;
            throw new InputException(source, "", "valid JSON", where, e);
        }
    }
}
