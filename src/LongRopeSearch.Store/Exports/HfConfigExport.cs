using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Store.Exports;

/// <summary>A model config.json with the searched factors merged in, and what the caller must tell the user.</summary>
public sealed record HfExport(JsonObject Config, IReadOnlyList<string> Warnings);

/// <summary>
/// Merges searched factors into a Hugging Face config.json as rope_scaling of type "longrope", the Phi-3 form read by
/// transformers, vLLM, SGLang, TensorRT-LLM, MLC-LLM and ExLlamaV2 (docs/exports.md says what each of them reads).
/// Those stacks compute inv_freq_i = 1 / (factor_i · base^(2i/d)), use long_factor once the sequence is longer than
/// original_max_position_embeddings and short_factor otherwise, and scale cos/sin by one attention factor whose
/// default is √(1 + ln s / ln L0) with s = max_position_embeddings / L0.
/// Choices that make every one of them compute the searched numbers:
/// <list type="bullet">
/// <item>original_max_position_embeddings is written both top-level (transformers ≤ 4.x and ExLlamaV2 read it there:
/// without it transformers takes max_position_embeddings as L0) and inside rope_scaling (vLLM, SGLang, transformers
/// 5 read it there). No "factor" key: the stacks derive s from max_position_embeddings / L0, which is L / L0.</item>
/// <item>attention_factor only when the searched one differs from that default; then also long_mscale and
/// short_mscale, the keys vLLM and SGLang read instead (transformers logs an "unrecognized keys" warning for them).</item>
/// <item>"type" and "rope_type" both: older readers know only "type", newer ones prefer "rope_type".</item>
/// </list>
/// The stacks have no n̂ (positions below n̂ keeping the original angle), so a factor set with n̂ &gt; 0 is refused
/// unless allowNHat, in which case n̂ is dropped with a warning.
/// </summary>
public static class HfConfigExport
{
    /// <summary>Reads a model's config.json as a JSON object (every problem is an <see cref="InputException"/>).</summary>
    public static JsonObject LoadModelConfig(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                ?? throw new InputException(path, "", "a JSON object (a Hugging Face config.json)");
        }
        catch (JsonException e)
        {
            throw new InputException(path, "", "valid JSON", e.Message, e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException(path, "", "the model's config.json", "no such file", e);
        }
        catch (IOException e)
        {
            throw new InputException(path, "", "a readable config.json", e.Message, e);
        }
    }

    /// <param name="modelConfig">The model's config.json; not modified (a deep copy is returned).</param>
    /// <param name="source">Where the factors come from, for messages (e.g. the job directory).</param>
    /// <param name="originalLength">L0, the context the model was trained at (what the search used).</param>
    /// <param name="targetLength">L, the length the long factors were searched for; becomes max_position_embeddings.</param>
    public static HfExport Build(JsonObject modelConfig, string source, FactorSet longFactors, FactorSet? shortFactors,
        int originalLength, int targetLength, bool allowNHat)
    {
        ArgumentNullException.ThrowIfNull(modelConfig);
        ArgumentNullException.ThrowIfNull(longFactors);
        if (originalLength < 2)
            throw new InputException(source, "original_max_position_embeddings", "an integer ≥ 2", originalLength.ToString(CultureInfo.InvariantCulture));
        if (targetLength <= originalLength)
            throw new InputException(source, "target", $"a length above the trained context L0 = {originalLength} (the long factors apply only beyond it)",
                targetLength.ToString(CultureInfo.InvariantCulture));

        var warnings = new List<string>();
        CheckNHat(longFactors, "long", source, allowNHat, warnings);
        if (shortFactors is not null) CheckNHat(shortFactors, "short", source, allowNHat, warnings);
        if (shortFactors is null)
            warnings.Add($"no short factors in {source}: short_factor is all ones (the unmodified model for sequences up to {originalLength} tokens)");
        var shortSet = shortFactors ?? FactorSet.Identity(longFactors.Pairs);
        if (shortSet.Pairs != longFactors.Pairs)
            throw new InputException(source, "short_factor", $"{longFactors.Pairs} factors like long_factor", shortSet.Pairs.ToString(CultureInfo.InvariantCulture));

        double scale = (double)targetLength / originalLength;
        double stackDefault = AttentionFactors.LongRopeDefault(scale, originalLength);
        double af = longFactors.AttentionFactor;
        if (shortFactors is not null && !Same(shortFactors.AttentionFactor, af))
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"the hf form has one attention factor for both factor sets: the short set's {shortFactors.AttentionFactor:0.######} is replaced by the long set's {af:0.######}"));

        var config = (JsonObject)modelConfig.DeepClone();
        if (config["rope_scaling"] is JsonObject previous && (previous["rope_type"] ?? previous["type"])?.ToString() is { } oldType && oldType != "default")
            warnings.Add($"the model's rope_scaling of type \"{oldType}\" is replaced by longrope");
        var rope = new JsonObject
        {
            ["type"] = "longrope",
            ["rope_type"] = "longrope",
            ["long_factor"] = ToArray(longFactors.Lambda),
            ["short_factor"] = ToArray(shortSet.Lambda),
            ["original_max_position_embeddings"] = originalLength,
        };
        if (!Same(af, stackDefault))
        {
            rope["attention_factor"] = af;
            rope["long_mscale"] = af;
            rope["short_mscale"] = af;
        }
        config["rope_scaling"] = rope;

        // transformers 5 reads rope_parameters; keep it consistent when the source config used that form.
        if (config["rope_parameters"] is JsonObject parameters)
        {
            var merged = (JsonObject)rope.DeepClone();
            foreach (var key in new[] { "rope_theta", "partial_rotary_factor" })
                if (parameters[key] is JsonNode value) merged[key] = value.DeepClone();
            config["rope_parameters"] = merged;
        }
        config["original_max_position_embeddings"] = originalLength;
        config["max_position_embeddings"] = targetLength;
        return new HfExport(config, warnings);
    }

    /// <summary>The attention factor the stacks apply when rope_scaling carries none: √(1 + ln s / ln L0), 1 for s ≤ 1.</summary>
    public static double DefaultAttentionFactor(double scale, int originalLength) => AttentionFactors.LongRopeDefault(scale, originalLength);

    public static void Write(string path, JsonObject config) =>
        AtomicFile.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    private static void CheckNHat(FactorSet factors, string which, string source, bool allowNHat, List<string> warnings)
    {
        if (factors.NHat == 0) return;
        if (!allowNHat)
            throw new InputException(source, $"{which} n_hat",
                "n̂ = 0 for the hf format (inference stacks keep no positions at the original angle); search with \"n_hat_choices\": [0] or pass --allow-nhat to drop it",
                factors.NHat.ToString(CultureInfo.InvariantCulture));
        warnings.Add($"the {which} factor set has n̂ = {factors.NHat}, which the hf form cannot express: it is dropped, so the first {factors.NHat} positions are rotated with the scaled angles too (perplexity will differ from the search)");
    }

    /// <summary>Equal up to rounding: a factor 1e-12 away from the default makes no difference in float32 cos/sin.</summary>
    private static bool Same(double a, double b) => Math.Abs(a - b) <= 1e-12 * Math.Max(1.0, Math.Abs(b));

    private static JsonArray ToArray(IReadOnlyList<double> values) => new(values.Select(x => (JsonNode)JsonValue.Create(x)).ToArray());
}
