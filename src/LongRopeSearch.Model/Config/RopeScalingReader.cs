using System.Globalization;
using System.Text.Json;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Model;

/// <summary>
/// Reads a model's own RoPE scaling from its rope parameters object (rope_scaling, or transformers v5's
/// rope_parameters) into a <see cref="PublishedScaling"/>, resolving keys the way transformers v5 does
/// (RotaryEmbeddingConfigMixin.standardize_rope_params and the per-type validators): rope_type, else the legacy "type";
/// original_max_position_embeddings from the top level when config.json has it there (or the family's config class
/// always does), else from the object, else max_position_embeddings. Keys transformers requires are required here; a
/// type it cannot run is refused naming the field.
/// </summary>
internal static class RopeScalingReader
{
    /// <summary>The rope_type values the engine applies.</summary>
    public static IReadOnlyList<string> SupportedTypes { get; } = ["linear", "dynamic", "yarn", "llama3", "longrope"];

    /// <param name="top">config.json's top level.</param>
    /// <param name="scaling">The rope parameters object (see ModelConfigLoader.ScalingObject), or null.</param>
    /// <returns>The scaling, or null for plain RoPE (no object, or rope_type "default").</returns>
    public static PublishedScaling? Read(JsonInputObject top, JsonInputObject? scaling, ModelFamily family, int rotaryDim, double ropeTheta, int maxPositionEmbeddings)
    {
        if (scaling is not { } s) return null;
        string typeKey = s.Has("rope_type") ? "rope_type" : "type";
        var written = s.String(typeKey);
        if (written is null or "default") return null;
        var type = family.RopeTypeAliases?.GetValueOrDefault(written) ?? written;
        var allowed = family.RopeTypes ?? SupportedTypes;
        if (!allowed.Contains(type) || !SupportedTypes.Contains(type))
            throw new InputException(s.Source, s.Field(typeKey),
                $"\"default\" or one of {string.Join(", ", allowed)} (the RoPE scalings transformers runs for model_type {family.ModelType} and this engine applies)",
                $"\"{written}\"");
        if (rotaryDim < 4)
            throw new InputException(s.Source, s.Field(typeKey), "a rotary dimension of at least 4 for a RoPE scaling", rotaryDim.ToString(CultureInfo.InvariantCulture));
        if (!(ropeTheta > 1))
            throw new InputException(top.Source, "rope_theta", "a base greater than 1 for a RoPE scaling", ropeTheta.ToString("R", CultureInfo.InvariantCulture));

        int original = top.PositiveInt("original_max_position_embeddings")
            ?? family.DefaultOriginalMaxPositionEmbeddings
            ?? s.PositiveInt("original_max_position_embeddings")
            ?? maxPositionEmbeddings;
        var geometry = new RopeGeometry(rotaryDim, ropeTheta, original);
        var source = new ScalingSource(s.Source, s.Prefix.TrimEnd('.'));
        return type switch
        {
            "linear" => PublishedScaling.Linear(geometry, Factor(s), source),
            "dynamic" => PublishedScaling.DynamicNtk(geometry, Factor(s), maxPositionEmbeddings, source),
            "yarn" => PublishedScaling.Yarn(geometry, Factor(s), s.PositiveDouble("attention_factor"),
                s.Double("beta_fast"), s.Double("beta_slow"), s.Double("mscale"), s.Double("mscale_all_dim"),
                s.Bool("truncate"), source),
            "llama3" => Llama3(s, geometry, source),
            _ => PublishedScaling.LongRope(geometry, Factors(s, "short_factor", geometry.Pairs), Factors(s, "long_factor", geometry.Pairs),
                s.PositiveDouble("factor"), s.PositiveDouble("attention_factor"), maxPositionEmbeddings, source),
        };
    }

    private static double Factor(JsonInputObject s) => s.RequiredPositiveDouble("factor");

    private static PublishedScaling Llama3(JsonInputObject s, RopeGeometry geometry, ScalingSource source)
    {
        double low = s.RequiredPositiveDouble("low_freq_factor");
        double high = s.RequiredPositiveDouble("high_freq_factor");
        if (!(high > low))
            throw new InputException(s.Source, s.Field("high_freq_factor"), $"a number greater than low_freq_factor = {low.ToString("R", CultureInfo.InvariantCulture)}",
                high.ToString("R", CultureInfo.InvariantCulture));
        return PublishedScaling.Llama3(geometry, Factor(s), low, high, source);
    }

    /// <summary>A longrope factor list: one positive finite number per rotary pair.</summary>
    private static double[] Factors(JsonInputObject s, string name, int pairs)
    {
        string expected = $"an array of {pairs} positive numbers (one per rotary pair: rotary dim / 2)";
        if (s.Get(name) is not { } array) throw s.Missing(name, expected);
        if (array.ValueKind != JsonValueKind.Array || array.GetArrayLength() != pairs)
            throw new InputException(s.Source, s.Field(name), expected,
                array.ValueKind == JsonValueKind.Array ? $"{array.GetArrayLength()} values" : JsonInput.Show(array));
        var values = new double[pairs];
        int i = 0;
        foreach (var v in array.EnumerateArray())
        {
            if (v.ValueKind != JsonValueKind.Number || !v.TryGetDouble(out var d) || !double.IsFinite(d) || d <= 0)
                throw new InputException(s.Source, s.Field($"{name}[{i}]"), "a positive finite number", JsonInput.Show(v));
            values[i++] = d;
        }
        return values;
    }
}
