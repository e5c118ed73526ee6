using System.Globalization;
using System.Text.Json;

namespace LongRopeSearch.Core;

/// <summary>
/// Parsing of JSON files a user or a previous run wrote, every failure an <see cref="InputException"/> naming the file:
/// a missing file, an unreadable one, malformed JSON (with a 1-based line and byte). Read the members with
/// <see cref="JsonInputObject"/>.
/// </summary>
public static class JsonInput
{
    private static readonly JsonDocumentOptions Options = new() { MaxDepth = 64, CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>Reads and parses <paramref name="path"/>; <paramref name="what"/> ("a job spec file") is what a missing file should have been.</summary>
    public static JsonDocument ParseFile(string path, string what)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException e) { throw new InputException(path, "", "an existing " + what, "no such file", e); }
        catch (DirectoryNotFoundException e) { throw new InputException(path, "", "an existing " + what, "no such directory", e); }
        catch (UnauthorizedAccessException e) { throw new InputException(path, "", "a readable " + what, e.Message, e); }
        catch (IOException e) { throw new InputException(path, "", "a readable " + what, e.Message, e); }
        return Parse(path, bytes);
    }

    /// <summary>
    /// Parses a whole document; malformed JSON names <paramref name="source"/>, the line and the byte. The syntax is
    /// the one every user-written JSON file of the tool accepts: comments and trailing commas are allowed, a leading
    /// UTF-8 byte order mark is skipped. The parser does not check that strings decode (invalid UTF-8, an escaped lone
    /// surrogate), and reading such a name or value later would throw InvalidOperationException deep inside a loader;
    /// so the bytes are checked first and every name and string is decoded once here: a document that comes back is
    /// safe to read.
    /// </summary>
    public static JsonDocument Parse(string source, ReadOnlyMemory<byte> utf8)
    {
        if (utf8.Span.StartsWith("\uFEFF"u8)) utf8 = utf8[3..];
        if (Utf8Input.FirstInvalid(utf8.Span) is var bad && bad < utf8.Length)
            throw new InputException(source, "", "UTF-8 text (JSON)", string.Create(CultureInfo.InvariantCulture, $"invalid UTF-8 at byte {bad + 1}"));
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(utf8, Options);
        }
        catch (JsonException e)
        {
            throw new InputException(source, "", "valid JSON", "malformed JSON: " + Where(e), e);
        }
        try
        {
            CheckStrings(source, doc.RootElement, "");
            return doc;
        }
        catch
        {
            doc.Dispose();
            throw;
        }
    }

    /// <summary>As <see cref="Parse(string, ReadOnlyMemory{byte})"/>, from text already decoded.</summary>
    public static JsonDocument Parse(string source, string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(source, System.Text.Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Decodes every property name and string value; one that cannot be decoded is an InputException naming its path.</summary>
    private static void CheckStrings(string source, JsonElement e, string path)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                int index = 0;
                foreach (var p in e.EnumerateObject())
                {
                    string name = Decode(source, () => p.Name, path.Length == 0 ? $"key {index}" : $"{path}: key {index}");
                    CheckStrings(source, p.Value, path.Length == 0 ? name : $"{path}.{name}");
                    index++;
                }
                break;
            case JsonValueKind.Array:
                int i = 0;
                foreach (var item in e.EnumerateArray()) CheckStrings(source, item, string.Create(CultureInfo.InvariantCulture, $"{path}[{i++}]"));
                break;
            case JsonValueKind.String:
                Decode(source, e.GetString, path);
                break;
        }
    }

    private static string Decode(string source, Func<string?> read, string path)
    {
        try
        {
            return read()!;
        }
        catch (InvalidOperationException ex)
        {
            throw new InputException(source, path, "a JSON string that decodes to Unicode text", "an undecodable string (" + ex.Message + ")", ex);
        }
    }

    /// <summary>
    /// The words of a <see cref="JsonException"/> of System.Text.Json (parser or serializer) for an
    /// <see cref="InputException"/>: "'}' is invalid after a value… (line 3, byte 7)", 1-based as people count.
    /// </summary>
    public static string Where(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        // The message ends with System.Text.Json's own 0-based " Path: .. | LineNumber: .. | BytePositionInLine: ..".
        var reason = e.Message;
        int cut = reason.IndexOf(" Path:", StringComparison.Ordinal) is >= 0 and var p ? p : reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
        if (cut > 0) reason = reason[..cut];
        reason = reason.TrimEnd('.', ' ');
        return e.LineNumber is { } line
            ? string.Create(CultureInfo.InvariantCulture, $"{reason} (line {line + 1}, byte {e.BytePositionInLine + 1})")
            : reason;
    }

    /// <summary>A short rendering of a JSON value for messages: its text for scalars, its kind for containers.</summary>
    public static string Show(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => Truncate(v.GetRawText()),
        JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null => v.GetRawText(),
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => v.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Truncate(string s) => s.Length <= 64 ? s : s[..60] + "...\"";
}

/// <summary>
/// Typed reads of the members of one JSON object, each failure an <see cref="InputException"/> naming the file, the
/// dotted field ("rope_scaling.factor", "targets[1]") and what was expected. A member that is absent or JSON null
/// reads as null ("use the default"). <see cref="RejectUnknown"/> turns a misspelt member into an error instead of
/// a silently ignored setting.
/// </summary>
public sealed class JsonInputObject
{
    private readonly JsonElement _obj;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public JsonInputObject(string source, JsonElement obj, string prefix = "")
    {
        if (obj.ValueKind != JsonValueKind.Object)
            throw new InputException(source, prefix.TrimEnd('.'), "a JSON object", JsonInput.Show(obj));
        Source = source;
        _obj = obj;
        Prefix = prefix;
    }

    /// <summary>The file (or argument) the object came from.</summary>
    public string Source { get; }

    /// <summary>"rope_scaling." for a nested object, "" at the top level.</summary>
    public string Prefix { get; }

    public string Field(string name) => Prefix + name;

    /// <summary>The member, or null when absent or JSON null.</summary>
    public JsonElement? Get(string name)
    {
        _read.Add(name);
        return _obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;
    }

    public bool Has(string name) => Get(name) is not null;

    /// <summary>The key is written in the object, even as JSON null (some transformers defaults apply only when the key is absent).</summary>
    public bool IsPresent(string name)
    {
        _read.Add(name);
        return _obj.TryGetProperty(name, out _);
    }

    /// <summary>A non-empty string, or null when absent.</summary>
    public string? String(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.String || v.GetString() is not { Length: > 0 } s) throw Wrong(name, "a non-empty string", v);
        return s;
    }

    public string RequiredString(string name) => String(name) ?? throw Missing(name, "a string");

    /// <summary>An integer in [<paramref name="min"/>, <paramref name="max"/>], or null when absent.</summary>
    public int? Int(string name, int min = int.MinValue, int max = int.MaxValue)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n) || n < min || n > max)
            throw Wrong(name, Range(min, max), v);
        return (int)n;
    }

    public int RequiredInt(string name, int min = int.MinValue, int max = int.MaxValue) =>
        Int(name, min, max) ?? throw Missing(name, Range(min, max));

    /// <summary>An integer from 1 to int.MaxValue, or null when absent.</summary>
    public int? PositiveInt(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n) || n < 1 || n > int.MaxValue) throw Wrong(name, "a positive integer", v);
        return (int)n;
    }

    public int RequiredPositiveInt(string name) => PositiveInt(name) ?? throw Missing(name, "a positive integer");

    public long? Int64(string name, long min = long.MinValue)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt64(out var n) || n < min)
            throw Wrong(name, min == long.MinValue ? "an integer" : string.Create(CultureInfo.InvariantCulture, $"an integer ≥ {min}"), v);
        return n;
    }

    public ulong? UInt64(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetUInt64(out var n)) throw Wrong(name, "an integer from 0 to 18446744073709551615", v);
        return n;
    }

    /// <summary>A finite number, or null when absent.</summary>
    public double? Double(string name)
    {
        if (Get(name) is not { } v) return null;
        return ToDouble(v, Field(name));
    }

    public double RequiredDouble(string name) => Double(name) ?? throw Missing(name, "a number");

    /// <summary>A finite number &gt; 0, or null when absent; <paramref name="expected"/> words the failure.</summary>
    public double? PositiveDouble(string name, string expected = "a positive finite number")
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || !double.IsFinite(d) || !(d > 0)) throw Wrong(name, expected, v);
        return d;
    }

    public double RequiredPositiveDouble(string name, string expected = "a positive finite number") =>
        PositiveDouble(name, expected) ?? throw Missing(name, expected);

    /// <summary>A number read as the exact decimal of its text (so 0.01 is 0.01, not the nearest double), or null when absent.</summary>
    public decimal? Decimal(string name)
    {
        if (Get(name) is not { } v) return null;
        return ToDecimal(v, Field(name));
    }

    /// <summary>A JSON number as the exact decimal of its text; <paramref name="field"/> names it in the error.</summary>
    public decimal ToDecimal(JsonElement v, string field)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDecimal(out var d))
            throw new InputException(Source, field, "a number", JsonInput.Show(v));
        return d;
    }

    public bool? Bool(string name)
    {
        if (Get(name) is not { } v) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Wrong(name, "true or false", v),
        };
    }

    /// <summary>A nested object, or null when absent.</summary>
    public JsonInputObject? Object(string name) =>
        Get(name) is { } v ? new JsonInputObject(Source, v, Field(name) + ".") : null;

    /// <summary>The elements of an array member, or null when absent.</summary>
    public JsonElement[]? Array(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Array) throw Wrong(name, "a JSON array", v);
        return v.EnumerateArray().ToArray();
    }

    /// <summary>An array of finite numbers, or null when absent; a bad element is named with its index.</summary>
    public double[]? Doubles(string name) =>
        Array(name)?.Select((e, i) => ToDouble(e, string.Create(CultureInfo.InvariantCulture, $"{Field(name)}[{i}]"))).ToArray();

    /// <summary>Throws for the first member nobody asked for; <paramref name="known"/> says where the valid ones are listed.</summary>
    /// <remarks>Members starting with '$' and members named "description" or "comment" are notes, never unknown.</remarks>
    public void RejectUnknown(string known)
    {
        foreach (var p in _obj.EnumerateObject())
        {
            if (_read.Contains(p.Name) || p.Name.StartsWith('$') || p.Name is "description" or "comment") continue;
            throw new InputException(Source, Field(p.Name), known, "an unknown field");
        }
    }

    public InputException Missing(string name, string expected) =>
        new(Source, Field(name), expected, _obj.TryGetProperty(name, out _) ? "null" : "nothing (the field is missing)");

    public InputException Wrong(string name, string expected, JsonElement found) => new(Source, Field(name), expected, JsonInput.Show(found));

    private double ToDouble(JsonElement v, string field)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || !double.IsFinite(d))
            throw new InputException(Source, field, "a number", JsonInput.Show(v));
        return d;
    }

    private static string Range(int min, int max) => (min, max) switch
    {
        (int.MinValue, int.MaxValue) => "an integer",
        (_, int.MaxValue) => string.Create(CultureInfo.InvariantCulture, $"an integer ≥ {min}"),
        _ => string.Create(CultureInfo.InvariantCulture, $"an integer from {min} to {max}"),
    };
}
