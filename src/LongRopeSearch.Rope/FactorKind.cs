using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Rope;

/// <summary>
/// Which factor set a stage searches and an artifact holds: a long target's, or the short factors (LongRoPE's
/// long_factor / short_factor). The one stage kind of the tool: the search's stages, the job's artifacts and the
/// exports all use it. Written as <see cref="FactorKinds.Text"/> ("long" / "short") everywhere:
/// best/&lt;kind&gt;-&lt;L&gt;.json, validation.json, state.json, history.parquet's stage column.
/// </summary>
[JsonConverter(typeof(FactorKindJsonConverter))]
public enum FactorKind
{
    /// <summary>A long target: λ and n̂ searched at the target length.</summary>
    Long,

    /// <summary>Short factors, searched at the short length after the long targets.</summary>
    Short,
}

public static class FactorKinds
{
    /// <summary>The one text form of each kind.</summary>
    public static string Text(this FactorKind kind) => kind switch
    {
        FactorKind.Long => "long",
        FactorKind.Short => "short",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>The one name of a stage in logs, tables and reports: "target 131072" or "short 8192".</summary>
    public static string StageName(this FactorKind kind, int length) =>
        string.Create(CultureInfo.InvariantCulture, $"{(kind == FactorKind.Long ? "target" : "short")} {length}");

    /// <summary>"long" or "short", else null.</summary>
    public static FactorKind? TryParse(string? text) =>
        Enum.GetValues<FactorKind>().Cast<FactorKind?>().FirstOrDefault(k => k!.Value.Text() == text);

    public static FactorKind Parse(string? text, string source, string field) =>
        TryParse(text) ?? throw new InputException(source, field, "\"long\" or \"short\"", text is null ? "nothing" : $"\"{text}\"");
}

/// <summary>
/// Reads and writes <see cref="FactorKind"/> as its <see cref="FactorKinds.Text"/>. Reading also takes "Long" and
/// "Short": the search snapshot in state.json spelt them so before the search and the artifacts shared this type.
/// </summary>
internal sealed class FactorKindJsonConverter : JsonConverter<FactorKind>
{
    public override FactorKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var text = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        return FactorKinds.TryParse(text) ?? LegacyName(text) ?? throw new JsonException("a stage kind is \"long\" or \"short\"");
    }

    public override void Write(Utf8JsonWriter writer, FactorKind value, JsonSerializerOptions options) => writer.WriteStringValue(value.Text());

    private static FactorKind? LegacyName(string? text) => text switch
    {
        "Long" => FactorKind.Long,
        "Short" => FactorKind.Short,
        _ => null,
    };
}
