using System.Text.Json;
using System.Text.Json.Serialization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store;

/// <summary>
/// The one JSON form of the files a job writes for itself (validation.json, sweep.json, and the Jobs layer's
/// status.json): snake_case members, NaN and ±∞ as the strings "NaN" / "Infinity" (a perplexity can overflow), and
/// strict reading: a missing required member or a null where a value belongs is an error naming the file and the
/// member, never a silent default.
/// </summary>
public static class ArtifactJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        WriteIndented = true,
    };

    /// <summary>Writes <paramref name="value"/> atomically, indented, with a final newline.</summary>
    public static void Write<T>(string path, T value) =>
        AtomicFile.WriteAllText(path, JsonSerializer.Serialize(value, Options) + "\n");

    /// <summary>
    /// Reads <paramref name="path"/>; a missing file is null. Anything unreadable is an <see cref="InputException"/>
    /// naming the file, the member (JSON path) and <paramref name="what"/> the file should be.
    /// </summary>
    public static T? ReadOrNull<T>(string path, string what) where T : class
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, "", "a readable " + what, e.Message, e);
        }
        return Parse<T>(path, text, what);
    }

    public static T Parse<T>(string source, string text, string what) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize<T>(text, Options) ?? throw new InputException(source, "", what, "null");
        }
        catch (JsonException e)
        {
            throw new InputException(source, Member(e), what, JsonInput.Where(e), e);
        }
    }

    /// <summary>"stages[0].rows[2].method" from the serializer's "$.stages[0].rows[2].method" ("" for the root).</summary>
    public static string Member(JsonException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        var p = e.Path ?? "";
        return p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : p == "$" ? "" : p;
    }
}
