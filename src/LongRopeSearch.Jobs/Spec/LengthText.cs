using System.Globalization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Jobs;

/// <summary>Lengths written as token counts ("131072") or multiples of the trained context ("8x").</summary>
public static class LengthText
{
    public static int Parse(string text, string source, int originalLength)
    {
        var p = text.Trim();
        long value;
        if (p.EndsWith('x') && double.TryParse(p[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var mult) && mult > 0)
            value = (long)Math.Round(mult * originalLength);
        else if (!long.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
            throw new InputException(source, "", "a length in tokens (e.g. 131072) or a multiple of the trained context (e.g. 8x)", text);
        if (value < 2) throw new InputException(source, "", "a length ≥ 2 tokens", text);
        if (value > int.MaxValue)
            throw new InputException(source, "", string.Create(CultureInfo.InvariantCulture, $"a length of at most {int.MaxValue} tokens (2^31 − 1, the largest sample the engine indexes)"), text);
        return (int)value;
    }

    public static int[] ParseList(string text, string source, int originalLength)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new InputException(source, "", "a comma-separated list of lengths, e.g. 2048,4096 or 8x,16x", text);
        return parts.Select(p => Parse(p, source, originalLength)).ToArray();
    }
}
