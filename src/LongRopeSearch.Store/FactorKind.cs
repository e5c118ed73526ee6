using System.Text.Json;
using System.Text.Json.Serialization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store;

/// <summary>
/// Which factor set a stage searches: a long target's, or the short factors (LongRoPE's long_factor / short_factor).
/// Written as <see cref="FactorKinds.Text"/> ("long" / "short") in every artifact: best/&lt;kind&gt;-&lt;L&gt;.json,
/// validation.json, state.json, history.parquet's stage column.
/// </summary>
[JsonConverter(typeof(FactorKindJsonConverter))]
public enum FactorKind
{
    Long,
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

    /// <summary>"long" or "short", else null.</summary>
    public static FactorKind? TryParse(string? text) =>
        Enum.GetValues<FactorKind>().Cast<FactorKind?>().FirstOrDefault(k => k!.Value.Text() == text);

    public static FactorKind Parse(string? text, string source, string field) =>
        TryParse(text) ?? throw new InputException(source, field, "\"long\" or \"short\"", text is null ? "nothing" : $"\"{text}\"");
}

/// <summary>Reads and writes <see cref="FactorKind"/> as its <see cref="FactorKinds.Text"/>.</summary>
internal sealed class FactorKindJsonConverter : JsonConverter<FactorKind>
{
    public override FactorKind Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        FactorKinds.TryParse(reader.TokenType == JsonTokenType.String ? reader.GetString() : null)
            ?? throw new JsonException("a stage kind is \"long\" or \"short\"");

    public override void Write(Utf8JsonWriter writer, FactorKind value, JsonSerializerOptions options) => writer.WriteStringValue(value.Text());
}
