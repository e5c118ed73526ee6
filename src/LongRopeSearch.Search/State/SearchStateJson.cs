using System.Text.Json;
using System.Text.Json.Serialization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Search;

/// <summary>
/// JSON text of search states. Doubles are written in their shortest round-trip form (System.Text.Json does so
/// since .NET Core 3.0), and NaN/±∞ as the named literals, so a state read back is bit-identical; decimals (the λ
/// grid) are written exactly; the generator state is hex text. snake_case names.
/// </summary>
public static class SearchStateJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = false,
    };

    public static string Serialize(ProgressiveSearchState state) => JsonSerializer.Serialize(state, Options);

    public static string Serialize(SearcherState state) => JsonSerializer.Serialize(state, Options);

    /// <param name="source">Named in errors (the checkpoint's path).</param>
    public static ProgressiveSearchState DeserializeProgressive(string json, string source = StateCodec.Source) =>
        Deserialize<ProgressiveSearchState>(json, source);

    public static SearcherState DeserializeSearcher(string json, string source = StateCodec.Source) =>
        Deserialize<SearcherState>(json, source);

    private static T Deserialize<T>(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options) ?? throw new InputException(source, "", "a search state object", "null");
        }
        catch (JsonException ex)
        {
            throw new InputException(source, ex.Path ?? "", "a valid search state", ex.Message, ex);
        }
    }
}
