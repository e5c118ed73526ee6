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
        return found is null ? $"{where}: expected {expected}" : $"{where}: expected {expected}, found {found}";
    }
}
