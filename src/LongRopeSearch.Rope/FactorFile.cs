using System.Globalization;
using System.Text;
using System.Text.Json;
using LongRopeSearch.Core;

namespace LongRopeSearch.Rope;

/// <summary>
/// Factor files, the way a factor set leaves or enters the tool:
/// <list type="bullet">
/// <item>JSON: <c>{"factors": [λ_0, …], "n_hat": 0, "attention_factor": 1.0}</c>; n_hat and attention_factor are
/// optional (0 and 1), other fields are allowed and ignored.</item>
/// <item>LongRoPE CSV: one λ per line, or one comma-separated line; blank lines and '#' comment lines are ignored.
/// λ only: n̂ = 0 and attention factor 1 on reading.</item>
/// </list>
/// A ".csv" extension means CSV, ".json" JSON; anything else is sniffed (a file starting with '{' or '[' is JSON).
/// Every problem is an <see cref="InputException"/> naming the file and the field (index or line).
/// Values are written with shortest round-trip formatting, so save → load gives back the identical doubles.
/// </summary>
public static class FactorFile
{
    /// <summary>Reads a factor set of exactly <paramref name="expectedPairs"/> (head_dim / 2) factors.</summary>
    public static FactorSet Load(string path, int expectedPairs)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentOutOfRangeException.ThrowIfLessThan(expectedPairs, 1);
        ReadOnlyMemory<byte> bytes = ReadBytes(path);
        if (bytes.Span.StartsWith("\uFEFF"u8)) bytes = bytes[3..]; // a UTF-8 byte order mark (Windows editors) is not content
        return IsJson(path, bytes.Span)
            ? ReadJson(path, bytes, expectedPairs)
            : FactorFileCsvReader.Read(path, bytes, expectedPairs);
    }

    /// <summary>
    /// Writes <c>{"factors": […], "n_hat": n̂, "attention_factor": a, …extra}</c> atomically. Extra values are
    /// serialized with System.Text.Json (strings, numbers, booleans, null, arrays, dictionaries, records).
    /// </summary>
    public static void SaveJson(string path, FactorSet factors, IDictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(factors);
        if (extra is not null)
        {
            foreach (var key in extra.Keys)
            {
                if (key is FactorFileFields.Factors or FactorFileFields.NHat or FactorFileFields.AttentionFactor)
                    throw new ArgumentException($"extra field \"{key}\" would overwrite the factor set's own field", nameof(extra));
            }
        }
        AtomicFile.Write(path, stream =>
        {
            using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
            w.WriteStartObject();
            w.WriteStartArray(FactorFileFields.Factors);
            // Utf8JsonWriter formats doubles in the shortest form that parses back to the same bits.
            foreach (var l in factors.Lambda) w.WriteNumberValue(l);
            w.WriteEndArray();
            w.WriteNumber(FactorFileFields.NHat, factors.NHat);
            w.WriteNumber(FactorFileFields.AttentionFactor, factors.AttentionFactor);
            if (extra is not null)
            {
                foreach (var (key, value) in extra)
                {
                    w.WritePropertyName(key);
                    JsonSerializer.Serialize(w, value, value?.GetType() ?? typeof(object));
                }
            }
            w.WriteEndObject();
            w.Flush();
            stream.WriteByte((byte)'\n');
        });
    }

    /// <summary>
    /// Writes the LongRoPE CSV form atomically: one λ per line. The format has no place for n̂ or the attention
    /// factor, so they are not saved (pair it with <see cref="SaveJson"/> when they matter).
    /// </summary>
    public static void SaveCsv(string path, FactorSet factors)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(factors);
        var sb = new StringBuilder();
        foreach (var l in factors.Lambda) sb.Append(l.ToString("R", CultureInfo.InvariantCulture)).Append('\n');
        AtomicFile.WriteAllText(path, sb.ToString());
    }

    /// <summary>The JSON form; other members are allowed and ignored (best files carry provenance beside the factors).</summary>
    private static FactorSet ReadJson(string path, ReadOnlyMemory<byte> bytes, int expectedPairs)
    {
        using var doc = JsonInput.Parse(path, bytes);
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new InputException(path, "", $"a JSON object with a \"{FactorFileFields.Factors}\" array", JsonInput.Show(doc.RootElement));
        var r = new JsonInputObject(path, doc.RootElement);
        var expectedArray = "an array of " + FactorFileFields.ExpectedCount(expectedPairs);
        if (!r.IsPresent(FactorFileFields.Factors))
            throw new InputException(path, FactorFileFields.Factors, expectedArray, "no such field");
        var factors = r.Array(FactorFileFields.Factors) ?? throw r.Missing(FactorFileFields.Factors, expectedArray);
        if (factors.Length != expectedPairs)
            throw new InputException(path, FactorFileFields.Factors, FactorFileFields.ExpectedCount(expectedPairs), factors.Length.ToString(CultureInfo.InvariantCulture));

        var lambda = new double[factors.Length]; // [pairs]
        for (int i = 0; i < factors.Length; i++)
        {
            var e = factors[i];
            if (e.ValueKind != JsonValueKind.Number || !e.TryGetDouble(out var v) || !double.IsFinite(v) || v <= 0)
                throw new InputException(path, $"{FactorFileFields.Factors}[{i}]", FactorFileFields.PositiveNumber, JsonInput.Show(e));
            lambda[i] = v;
        }

        // n̂ may be written as an integral float (3.0): Python writers do that.
        int nHat = 0;
        if (r.Get(FactorFileFields.NHat) is { } n)
        {
            if (n.ValueKind != JsonValueKind.Number || !n.TryGetDouble(out var d) || !double.IsFinite(d) || d < 0 || d != Math.Floor(d) || d > int.MaxValue)
                throw r.Wrong(FactorFileFields.NHat, "an integer ≥ 0", n);
            nHat = (int)d;
        }
        var attentionFactor = r.PositiveDouble(FactorFileFields.AttentionFactor, FactorFileFields.PositiveNumber) ?? 1.0;
        return new FactorSet(lambda, nHat, attentionFactor, path);
    }

    private static byte[] ReadBytes(string path)
    {
        if (Directory.Exists(path))
            throw new InputException(path, "", "a factor file (JSON or LongRoPE CSV)", "a directory");
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException(path, "", "an existing factor file (JSON or LongRoPE CSV)", "no such file", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, "", "a readable factor file", e.Message, e);
        }
    }

    private static bool IsJson(string path, ReadOnlySpan<byte> bytes)
    {
        var ext = Path.GetExtension(path);
        if (ext.Equals(".csv", StringComparison.OrdinalIgnoreCase)) return false;
        if (ext.Equals(".json", StringComparison.OrdinalIgnoreCase)) return true;
        foreach (var b in bytes)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n') continue;
            return b is (byte)'{' or (byte)'[';
        }
        return false;
    }
}

/// <summary>The JSON field names of a factor file (also the names used in InputException messages).</summary>
public static class FactorFileFields
{
    public const string Factors = "factors";
    public const string NHat = "n_hat";
    public const string AttentionFactor = "attention_factor";

    /// <summary>"expected 32 factors (head_dim 64 / 2)": the wording every reader uses for a wrong count.</summary>
    internal static string ExpectedCount(int pairs) =>
        string.Create(CultureInfo.InvariantCulture, $"{pairs} factors (head_dim {2 * pairs} / 2)");

    internal const string PositiveNumber = "a finite positive number";
}
