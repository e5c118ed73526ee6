using System.Globalization;
using System.Text.Json;
using LongRopeSearch.Core;

namespace LongRopeSearch.Search;

/// <summary>
/// Typed reads of one JSON object of a user file, each failure an <see cref="InputException"/> naming the file, the
/// dotted field and the expected value. Unknown members are rejected (<see cref="RejectUnknown"/>) so that a typo
/// such as "populaton" is an error rather than a silently ignored setting.
/// </summary>
internal sealed class JsonObjectReader
{
    private readonly JsonElement _obj;
    private readonly HashSet<string> _read = [];

    public JsonObjectReader(string source, JsonElement obj, string prefix = "")
    {
        if (obj.ValueKind != JsonValueKind.Object)
            throw new InputException(source, prefix.TrimEnd('.'), "a JSON object", Show(obj));
        Source = source;
        _obj = obj;
        Prefix = prefix;
    }

    public string Source { get; }
    public string Prefix { get; }

    public string Field(string name) => Prefix + name;

    /// <summary>The member, or null when absent or JSON null (both mean "use the default").</summary>
    public JsonElement? Get(string name)
    {
        _read.Add(name);
        return _obj.TryGetProperty(name, out var v) && v.ValueKind != JsonValueKind.Null ? v : null;
    }

    public int? Int(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n)) throw Wrong(name, "an integer", v);
        return n;
    }

    public ulong? UInt64(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetUInt64(out var n)) throw Wrong(name, "an integer in [0, 2^64)", v);
        return n;
    }

    public double? Double(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || !double.IsFinite(d)) throw Wrong(name, "a number", v);
        return d;
    }

    /// <summary>A number read as the exact decimal of its text (so 0.01 is 0.01, not the nearest double).</summary>
    public decimal? Decimal(string name)
    {
        if (Get(name) is not { } v) return null;
        return ToDecimal(v, Field(name));
    }

    public decimal ToDecimal(JsonElement v, string field)
    {
        if (v.ValueKind != JsonValueKind.Number || !v.TryGetDecimal(out var d))
            throw new InputException(Source, field, "a number", Show(v));
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

    public string? String(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.String) throw Wrong(name, "a string", v);
        return v.GetString();
    }

    public JsonObjectReader? Object(string name) =>
        Get(name) is { } v ? new JsonObjectReader(Source, v, Field(name) + ".") : null;

    /// <summary>The elements of an array member, or null when absent.</summary>
    public JsonElement[]? Array(string name)
    {
        if (Get(name) is not { } v) return null;
        if (v.ValueKind != JsonValueKind.Array) throw Wrong(name, "a JSON array", v);
        return v.EnumerateArray().ToArray();
    }

    /// <summary>Throws for the first member not read by this reader (members starting with '$' or named "description"/"comment" are notes).</summary>
    public void RejectUnknown()
    {
        foreach (var p in _obj.EnumerateObject())
        {
            if (_read.Contains(p.Name) || p.Name.StartsWith('$') || p.Name is "description" or "comment") continue;
            throw new InputException(Source, Field(p.Name), "a known setting (see search-spaces/README.md)", "an unknown member");
        }
    }

    public InputException Wrong(string name, string expected, JsonElement found) => new(Source, Field(name), expected, Show(found));

    public static string Show(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String => "string " + v.GetRawText(), // raw: always printable, even a lone surrogate escape
        JsonValueKind.Number => "number " + v.GetRawText(),
        JsonValueKind.True or JsonValueKind.False => "boolean " + v.GetRawText(),
        JsonValueKind.Array => "an array",
        JsonValueKind.Object => "an object",
        _ => v.ValueKind.ToString().ToLowerInvariant(),
    };

    public static string Show(decimal d) => d.ToString(CultureInfo.InvariantCulture);
}
