using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Store.Exports;

/// <summary>
/// Merges searched factors into a Hugging Face config.json as rope_scaling of type "longrope", the form read by
/// transformers (Phi-3 style longrope), vLLM, SGLang, TensorRT-LLM, MLC and ExLlamaV2.
/// Those stacks compute inv_freq_i = 1 / (factor_i · base^(2i/d)), choosing long_factor when the sequence is longer
/// than original_max_position_embeddings and short_factor otherwise, and scale cos/sin by
/// attention_factor (default √(1 + ln s / ln L0) with s = max_position_embeddings / L0).
/// They have no n̂: positions below n̂ cannot be kept at the original angle, so a factor set with n̂ &gt; 0 is refused
/// unless <c>allowNHat</c>, in which case n̂ is dropped and the caller must warn.
/// </summary>
public static class HfConfigExport
{
    public static JsonObject Build(string modelConfigPath, FactorSet longFactors, FactorSet? shortFactors, int targetLength, bool allowNHat)
    {
        JsonObject config;
        try
        {
            config = JsonNode.Parse(File.ReadAllText(modelConfigPath)) as JsonObject
                ?? throw new InputException(modelConfigPath, "", "a JSON object");
        }
        catch (JsonException e)
        {
            throw new InputException(modelConfigPath, "", "valid JSON", e.Message, e);
        }
        catch (IOException e)
        {
            throw new InputException(modelConfigPath, "", "a readable config.json", e.Message, e);
        }

        int l0 = OriginalLength(config, modelConfigPath);
        if (longFactors.NHat > 0 && !allowNHat)
            throw new InputException("export", "n_hat", "n̂ = 0 for the hf format (inference stacks keep no positions at the original angle); search with n_hat_choices [0] or pass --allow-nhat to drop it", longFactors.NHat.ToString(CultureInfo.InvariantCulture));
        var shortSet = shortFactors ?? FactorSet.Identity(longFactors.Pairs);
        if (shortSet.Pairs != longFactors.Pairs)
            throw new InputException("export", "short_factor", $"{longFactors.Pairs} factors like long_factor", shortSet.Pairs.ToString(CultureInfo.InvariantCulture));

        double scale = (double)targetLength / l0;
        var rope = new JsonObject
        {
            ["type"] = "longrope",
            ["rope_type"] = "longrope",
            ["long_factor"] = ToArray(longFactors.Lambda),
            ["short_factor"] = ToArray(shortSet.Lambda),
            ["original_max_position_embeddings"] = l0,
        };
        double stackDefault = DefaultAttentionFactor(scale, l0);
        if (Math.Abs(longFactors.AttentionFactor - stackDefault) > 1e-12)
            rope["attention_factor"] = longFactors.AttentionFactor;

        config["rope_scaling"] = rope;
        // Newer transformers read rope_parameters; keep it consistent when the source config used that form.
        if (config["rope_parameters"] is JsonObject rp)
        {
            var merged = (JsonObject)rope.DeepClone();
            if (rp["rope_theta"] is JsonNode theta) merged["rope_theta"] = theta.DeepClone();
            config["rope_parameters"] = merged;
        }
        config["original_max_position_embeddings"] = l0;
        config["max_position_embeddings"] = targetLength;
        return config;
    }

    /// <summary>The attention factor the stacks apply when rope_scaling carries none: √(1 + ln s / ln L0), 1 for s ≤ 1.</summary>
    public static double DefaultAttentionFactor(double scale, int originalLength) =>
        scale <= 1 ? 1.0 : Math.Sqrt(1 + Math.Log(scale) / Math.Log(originalLength));

    public static void Write(string path, JsonObject config) =>
        AtomicFile.WriteAllText(path, config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    private static int OriginalLength(JsonObject config, string path)
    {
        foreach (var node in new[] { config["original_max_position_embeddings"], (config["rope_scaling"] as JsonObject)?["original_max_position_embeddings"], config["max_position_embeddings"] })
        {
            if (node is JsonValue v && v.TryGetValue<int>(out var n) && n > 0) return n;
        }
        throw new InputException(path, "max_position_embeddings", "a positive integer (the trained context L0)");
    }

    private static JsonArray ToArray(IReadOnlyList<double> values) => new(values.Select(x => (JsonNode)JsonValue.Create(x)!).ToArray());
}
