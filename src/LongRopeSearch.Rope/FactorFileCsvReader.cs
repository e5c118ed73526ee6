using System.Globalization;
using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Rope;

/// <summary>
/// Reads the LongRoPE CSV form: λ values separated by newlines and/or commas (one per line as LongRoPE writes them,
/// or a single comma-separated line). Blank lines, '#' comment lines (numpy.savetxt headers) and one trailing comma
/// per line are tolerated; anything else that is not a finite positive number is reported with its line.
/// </summary>
internal static class FactorFileCsvReader
{
    public static FactorSet Read(string path, ReadOnlyMemory<byte> bytes, int expectedPairs)
    {
        var text = DecodeUtf8(path, bytes);
        var lambda = new List<double>(expectedPairs);
        var lines = text.Split('\n');
        for (int n = 0; n < lines.Length; n++)
        {
            var line = lines[n].Trim();
            if (line.Length == 0 || line[0] == '#') continue;
            var cells = line.Split(',');
            for (int c = 0; c < cells.Length; c++)
            {
                var cell = cells[c].Trim();
                bool trailingComma = cell.Length == 0 && c == cells.Length - 1 && c > 0;
                if (trailingComma) continue;
                if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v <= 0)
                {
                    var field = string.Create(CultureInfo.InvariantCulture, $"{FactorFileFields.Factors}[{lambda.Count}] (line {n + 1})");
                    throw new InputException(path, field, FactorFileFields.PositiveNumber, cell.Length == 0 ? "an empty value" : $"\"{cell}\"");
                }
                lambda.Add(v);
            }
        }
        if (lambda.Count != expectedPairs)
            throw new InputException(path, FactorFileFields.Factors, FactorFileFields.ExpectedCount(expectedPairs), lambda.Count.ToString(CultureInfo.InvariantCulture));
        return new FactorSet(lambda, 0, 1.0, path);
    }

    private static string DecodeUtf8(string path, ReadOnlyMemory<byte> bytes)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.Span);
        }
        catch (DecoderFallbackException e)
        {
            throw new InputException(path, "", "a UTF-8 text file (JSON or LongRoPE CSV)", "binary data", e);
        }
    }
}
