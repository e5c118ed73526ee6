namespace LongRopeSearch.Core;

/// <summary>
/// Bad input from a user-supplied file or argument. The message always names the file (or argument),
/// the field and what was expected, so a user can fix the input without reading code.
/// The CLI turns it into one line on stderr and exit code 2.
/// </summary>
public sealed class InputException : Exception
{
    public InputException(string source, string field, string expected, string? found = null, Exception? inner = null)
        : base(Format(source, field, expected, found), inner)
    {
        Origin = source;
        Field = field;
        Expected = expected;
        Found = found;
    }

    public InputException() : base("invalid input") { Origin = Field = Expected = ""; }
    public InputException(string message) : base(message) { Origin = Field = Expected = ""; }
    public InputException(string message, Exception inner) : base(message, inner) { Origin = Field = Expected = ""; }

    /// <summary>The file path or argument name the bad value came from.</summary>
    public string Origin { get; }

    /// <summary>The field inside the source (JSON key, tensor name, column...), or "" for the whole source.</summary>
    public string Field { get; }

    /// <summary>What a valid value looks like.</summary>
    public string Expected { get; }

    /// <summary>What was found instead, when it helps.</summary>
    public string? Found { get; }

    private static string Format(string source, string field, string expected, string? found)
    {
        var where = string.IsNullOrEmpty(field) ? source : $"{source}: {field}";
        return OneLine(found is null ? $"{where}: expected {expected}" : $"{where}: expected {expected}, found {Shorten(found)}");
    }

    /// <summary>
    /// The text on one line: line breaks and other control characters shown escaped (\n, \u0001), so an error is
    /// always the one line the CLI promises even when a parser quotes the rest of a damaged file.
    /// </summary>
    public static string OneLine(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!text.Any(char.IsControl)) return text;
        var sb = new System.Text.StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (c == '\n') sb.Append("\\n");
            else if (c == '\r') sb.Append("\\r");
            else if (c == '\t') sb.Append("\\t");
            else if (char.IsControl(c)) sb.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>A found value quoted from a file is cut at 300 characters: the line names the place, it does not reprint the file.</summary>
    private static string Shorten(string found) => found.Length <= 300 ? found : string.Concat(found.AsSpan(0, 300), "…");
}
