using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// Parses a pre-tokenized ".ids" document: decimal token ids separated by ASCII whitespace. The whole file is checked,
/// not just the prefix a sample uses, so a corrupt file is reported rather than half-used. Whether each id is inside
/// the model's vocabulary is checked with every other token stream in <see cref="TokenizedCorpus"/>.
/// </summary>
internal static class TokenIdsParser
{
    public static int[] Parse(string path, ReadOnlySpan<byte> text)
    {
        var ids = new List<int>();
        int i = 0;
        while (true)
        {
            while (i < text.Length && IsSpace(text[i])) i++;
            if (i == text.Length) break;
            int start = i;
            while (i < text.Length && !IsSpace(text[i])) i++;
            var token = text[start..i];
            ids.Add(ParseId(path, ids.Count, token));
        }
        return [.. ids];
    }

    private static int ParseId(string path, int index, ReadOnlySpan<byte> token)
    {
        long value = 0;
        bool ok = token.Length <= 10;
        foreach (var b in token)
        {
            if (!ok) break;
            ok = b is >= (byte)'0' and <= (byte)'9';
            value = value * 10 + (b - '0');
        }
        if (!ok || value > int.MaxValue)
            throw new InputException(path, $"token index {index}", $"a decimal token id (ASCII digits, at most {int.MaxValue})",
                $"\"{Show(token)}\"");
        return (int)value;
    }

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    private static string Show(ReadOnlySpan<byte> token)
    {
        var s = Encoding.UTF8.GetString(token[..Math.Min(token.Length, 40)]);
        return token.Length > 40 ? s + "..." : s;
    }
}
