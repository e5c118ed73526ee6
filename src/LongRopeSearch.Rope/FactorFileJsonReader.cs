using System.Globalization;
using System.Text.Json;
using LongRopeSearch.Core;

namespace LongRopeSearch.Rope;

/// <summary>Reads the JSON factor file form; every error names the file and the field.</summary>
internal static class FactorFileJsonReader
{
    private static readonly JsonDocumentOptions Options = new() { CommentHandling = JsonCommentHandling.Skip };

    public static FactorSet Read(string path, ReadOnlyMemory<byte> bytes, int expectedPairs)
    {
        using var doc = Parse(path, bytes);
        var root = doc.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new InputException(path, "", $"a JSON object with a \"{FactorFileFields.Factors}\" array", Describe(root));

        if (!root.TryGetProperty(FactorFileFields.Factors, out var factors))
            throw new InputException(path, FactorFileFields.Factors, "an array of " + FactorFileFields.ExpectedCount(expectedPairs), "no such field");
        if (factors.ValueKind != JsonValueKind.Array)
            throw new InputException(path, FactorFileFields.Factors, "an array of " + FactorFileFields.ExpectedCount(expectedPairs), Describe(factors));
        var count = factors.GetArrayLength();
        if (count != expectedPairs)
            throw new InputException(path, FactorFileFields.Factors, FactorFileFields.ExpectedCount(expectedPairs), count.ToString(CultureInfo.InvariantCulture));

        var lambda = new double[count]; // [pairs]
        int i = 0;
        foreach (var e in factors.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var v) || !double.IsFinite(v) || v <= 0)
                throw new InputException(path, $"{FactorFileFields.Factors}[{i}]", FactorFileFields.PositiveNumber, Describe(e));
            lambda[i++] = v;
        }

        var nHat = ReadNHat(path, root);
        var attentionFactor = ReadAttentionFactor(path, root);
        return new FactorSet(lambda, nHat, attentionFactor, path);
    }

    private static JsonDocument Parse(string path, ReadOnlyMemory<byte> bytes)
    {
        try
        {
            var doc = JsonDocument.Parse(bytes, Options);
            try
            {
                JsonInput.CheckStrings(path, doc.RootElement);
            }
            catch
            {
                doc.Dispose();
                throw;
            }
            return doc;
        }
        catch (JsonException e)
        {
            // JsonException positions are 0-based; people count lines from 1.
            var where = e.LineNumber is { } line
                ? string.Create(CultureInfo.InvariantCulture, $"a syntax error at line {line + 1}, byte {e.BytePositionInLine + 1}")
                : "a syntax error";
            throw new InputException(path, "", "valid JSON", where, e);
        }
    }

    private static int ReadNHat(string path, JsonElement root)
    {
        if (!root.TryGetProperty(FactorFileFields.NHat, out var e) || e.ValueKind == JsonValueKind.Null) return 0;
        const string expected = "an integer ≥ 0";
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var v))
            throw new InputException(path, FactorFileFields.NHat, expected, Describe(e));
        if (!double.IsFinite(v) || v < 0 || v != Math.Floor(v) || v > int.MaxValue)
            throw new InputException(path, FactorFileFields.NHat, expected, e.GetRawText());
        return (int)v;
    }

    private static double ReadAttentionFactor(string path, JsonElement root)
    {
        if (!root.TryGetProperty(FactorFileFields.AttentionFactor, out var e) || e.ValueKind == JsonValueKind.Null) return 1.0;
        if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var v) || !double.IsFinite(v) || v <= 0)
            throw new InputException(path, FactorFileFields.AttentionFactor, FactorFileFields.PositiveNumber, Describe(e));
        return v;
    }

    /// <summary>The offending value as the user wrote it, or its kind when that says more (a whole object or array).</summary>
    private static string Describe(JsonElement e) => e.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.Null => "null",
        _ => e.GetRawText(),
    };
}
