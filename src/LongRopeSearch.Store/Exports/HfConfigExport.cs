using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Store.Exports;

/// <summary>A model config.json with the searched factors merged in, and what the caller must tell the user.</summary>
/// <param name="Notes">Facts about the form worth a line on the terminal (not problems).</param>
public sealed record HfExport(JsonObject Config, IReadOnlyList<string> Warnings, IReadOnlyList<string> Notes);

/// <summary>
/// Merges searched factors into a Hugging Face config.json as rope_scaling of type "longrope", the Phi-3 form read by
/// transformers, vLLM, SGLang, TensorRT-LLM, MLC-LLM and ExLlamaV2 (docs/exports.md says what each of them reads).
/// Those stacks compute inv_freq_i = 1 / (factor_i · base^(2i/d)), use long_factor once the sequence is longer than
/// original_max_position_embeddings and short_factor otherwise, and scale cos/sin by one attention factor.
/// Choices that make every one of them compute the searched numbers:
/// <list type="bullet">
/// <item>original_max_position_embeddings is the switch point <see cref="StackFactors.SwitchLength"/> (the short
/// factors' search length, L0 without short factors), written both top-level (transformers 4.x and ExLlamaV2 read
/// it there, and transformers 5 prefers it there) and inside the rope section (vLLM, SGLang, transformers 5).</item>
/// <item>The attention factor is always written: attention_factor (transformers) and long_mscale / short_mscale
/// (vLLM, SGLang), because the stacks' default formula uses the switch point, not the searched L0.</item>
/// <item>Both forms of the rope section: rope_scaling (transformers 4.x, vLLM, the others) and rope_parameters
/// (transformers 5, which prefers rope_scaling when both are present), each holding rope_theta too (transformers 5
/// takes the base from inside the section; without it a config class can fall back to its default base); rope_theta
/// also stays top-level for 4.x.</item>
/// <item>No "factor" key: every stack then derives s from max_position_embeddings / original_max_position_embeddings,
/// used only for the default attention factor, which is overridden.</item>
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

    /// <summary>The key under which the export records where the factors come from (job, target, which set, status).</summary>
    public const string ProvenanceKey = "longrope_search";

    /// <param name="modelConfig">The model's config.json; not modified (a deep copy is returned).</param>
    /// <param name="factors">The sets, the lengths and the switch point.</param>
    /// <param name="ropeTheta">The model's RoPE base, the one the search used (written top-level and inside the rope section).</param>
    /// <param name="provenance">Recorded under <see cref="ProvenanceKey"/> when given.</param>
    public static HfExport Build(JsonObject modelConfig, StackFactors factors, double ropeTheta, bool allowNHat, JsonObject? provenance = null)
    {
        ArgumentNullException.ThrowIfNull(modelConfig);
        ArgumentNullException.ThrowIfNull(factors);
        factors.Validate();
        string source = factors.Source;
        var warnings = new List<string>();
        var notes = new List<string>();
        CheckNHat(factors.Long, "long", source, allowNHat, warnings);
        if (factors.Short is { } s) CheckNHat(s, "short", source, allowNHat, warnings);
        else warnings.Add(factors.NoShortFactorsWarning("short_factor"));
        if (factors.AttentionFactorMismatchWarning() is { } mismatch) warnings.Add(mismatch);
        var shortSet = factors.Short ?? FactorSet.Identity(factors.Long.Pairs);
        int switchLength = factors.SwitchLength;
        double af = factors.AttentionFactor;
        if (switchLength != factors.OriginalLength)
            notes.Add(string.Create(CultureInfo.InvariantCulture,
                $"original_max_position_embeddings is {switchLength}, the length the short factors were searched at (the model was trained at {factors.OriginalLength}): the stacks use short_factor up to {switchLength} tokens and long_factor beyond"));

        var config = (JsonObject)modelConfig.DeepClone();
        foreach (var key in new[] { "rope_scaling", "rope_parameters" })
            if (config[key] is JsonObject previous && (previous["rope_type"] ?? previous["type"])?.ToString() is { } oldType && oldType != "default")
                warnings.Add($"the model's {key} of type \"{oldType}\" is replaced by longrope");
        var rope = new JsonObject
        {
            ["type"] = "longrope",
            ["rope_type"] = "longrope",
            ["long_factor"] = ToArray(factors.Long.Lambda),
            ["short_factor"] = ToArray(shortSet.Lambda),
            ["original_max_position_embeddings"] = switchLength,
            ["attention_factor"] = af,
            ["long_mscale"] = af,
            ["short_mscale"] = af,
            ["rope_theta"] = ropeTheta,
        };
        var parameters = (JsonObject)rope.DeepClone();
        if (config["rope_parameters"] is JsonObject old && old["partial_rotary_factor"] is JsonNode partial)
            parameters["partial_rotary_factor"] = partial.DeepClone();
        config["rope_scaling"] = rope;
        config["rope_parameters"] = parameters;
        config["rope_theta"] = ropeTheta;
        config["original_max_position_embeddings"] = switchLength;
        config["max_position_embeddings"] = factors.TargetLength;
        if (provenance is not null) config[ProvenanceKey] = provenance.DeepClone();
        return new HfExport(config, warnings, notes);
    }

    public static void Write(string path, JsonObject config) =>
        AtomicFile.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    private static void CheckNHat(FactorSet factors, string which, string source, bool allowNHat, List<string> warnings)
    {
        if (factors.NHat == 0) return;
        if (!allowNHat)
            throw new InputException(source, $"{which} n_hat",
                "n̂ = 0 for the hf format (inference stacks keep no positions at the original angle): export the best deployable set (the default, --set deployable), or pass --allow-nhat to drop n̂",
                factors.NHat.ToString(CultureInfo.InvariantCulture));
        warnings.Add($"the {which} factor set has n̂ = {factors.NHat}, which the hf form cannot express: it is dropped, so the first {factors.NHat} positions are rotated with the scaled angles too (perplexity will differ from the search)");
    }

    private static JsonArray ToArray(IReadOnlyList<double> values) => new(values.Select(x => (JsonNode)JsonValue.Create(x)).ToArray());
}
