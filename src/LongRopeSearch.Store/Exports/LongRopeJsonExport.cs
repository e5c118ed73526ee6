using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.Validation;

namespace LongRopeSearch.Store.Exports;

/// <summary>Everything the JSON export records about one searched target.</summary>
public sealed record JsonExportInput
{
    public required string JobId { get; init; }
    public required FactorSet Long { get; init; }
    public FactorSet? Short { get; init; }

    /// <summary>L: the target the long factors were searched for.</summary>
    public required int TargetLength { get; init; }

    /// <summary>L0: the context the model was trained at.</summary>
    public required int OriginalLength { get; init; }

    /// <summary>Length the short factors were searched at (null without short factors).</summary>
    public int? ShortLength { get; init; }

    /// <summary>The best files the factor sets came from (recorded for provenance).</summary>
    public required string LongSource { get; init; }
    public string? ShortSource { get; init; }

    /// <summary>Model folder of the model.</summary>
    public required string ModelPath { get; init; }

    /// <summary>The model's config.json; a summary of its architecture and RoPE fields is recorded.</summary>
    public required JsonObject ModelConfig { get; init; }

    /// <summary>Validation tables of the target's stage and of the short stage, when the job wrote them.</summary>
    public ValidationTable? Validation { get; init; }
    public ValidationTable? ShortValidation { get; init; }

    /// <summary>Search-space file path and its content (null when the file is gone).</summary>
    public required string SpacePath { get; init; }
    public JsonNode? Space { get; init; }

    /// <summary>The seed the search ran with.</summary>
    public ulong? Seed { get; init; }

    /// <summary>Which set of each stage was taken, what it costs, whether the search had finished; and the switch point.</summary>
    public ExportProvenance? Provenance { get; init; }
}

/// <summary>
/// longrope-&lt;L&gt;.json: a self-describing record of one searched target. Its top level is a factor file of the exported
/// long set ("factors", "n_hat", "attention_factor"), so FactorFile.Load and `eval --factors` read it directly; the
/// short set, the status ("final" or best so far), the switch point the stack exports use, the provenance (which set
/// of each stage, and the best overall beside a deployable one with what it costs), the model, the validation tables
/// and the search settings sit beside it.
/// </summary>
public static class LongRopeJsonExport
{
    public const string Format = "longrope-search/export-2";

    /// <summary>config.json fields worth keeping next to factors: what fixes the rotary geometry and the architecture.</summary>
    private static readonly string[] ConfigSummaryFields =
    [
        "architectures", "model_type", "vocab_size", "hidden_size", "intermediate_size", "num_hidden_layers",
        "num_attention_heads", "num_key_value_heads", "head_dim", "rope_theta", "max_position_embeddings",
        "original_max_position_embeddings", "rope_scaling", "rope_parameters", "torch_dtype",
    ];

    public static JsonObject Build(JsonExportInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var doc = new JsonObject
        {
            ["factors"] = Numbers(input.Long.Lambda),
            ["n_hat"] = input.Long.NHat,
            ["attention_factor"] = input.Long.AttentionFactor,
            ["format"] = Format,
            ["job_id"] = input.JobId,
            ["target_length"] = input.TargetLength,
            ["original_length"] = input.OriginalLength,
            ["scale"] = (double)input.TargetLength / input.OriginalLength,
            ["status"] = input.Provenance?.Status,
            ["switch_length"] = input.Provenance?.SwitchLength,
            ["long"] = FactorObject(input.Long, input.TargetLength, input.LongSource),
            ["short"] = input.Short is null ? null : FactorObject(input.Short, input.ShortLength, input.ShortSource),
            ["model"] = new JsonObject
            {
                ["path"] = input.ModelPath,
                ["config"] = Summary(input.ModelConfig),
            },
            ["provenance"] = input.Provenance?.ToJson(),
            ["validation"] = input.Validation is null ? null : TableObject(input.Validation),
            ["short_validation"] = input.ShortValidation is null ? null : TableObject(input.ShortValidation),
            ["search"] = new JsonObject
            {
                ["space_file"] = input.SpacePath,
                ["space"] = input.Space?.DeepClone(),
                ["seed"] = input.Seed is { } s ? JsonValue.Create(s) : null,
            },
        };
        return doc;
    }

    public static void Write(string path, JsonObject doc) =>
        AtomicFile.WriteAllText(path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");

    /// <summary>The architecture and RoPE fields of a config.json that are present, in a fixed order.</summary>
    public static JsonObject Summary(JsonObject config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var summary = new JsonObject();
        foreach (var field in ConfigSummaryFields)
            if (config.ContainsKey(field)) summary[field] = config[field]?.DeepClone();
        return summary;
    }

    private static JsonObject FactorObject(FactorSet factors, int? length, string? source) => new()
    {
        ["length"] = length,
        ["factors"] = Numbers(factors.Lambda),
        ["n_hat"] = factors.NHat,
        ["attention_factor"] = factors.AttentionFactor,
        ["source"] = source,
    };

    /// <summary>The table in its one JSON form, the same as in validation.json.</summary>
    private static JsonNode? TableObject(ValidationTable t) => JsonSerializer.SerializeToNode(t, ArtifactJson.Options);

    private static JsonArray Numbers(IReadOnlyList<double> values) => new(values.Select(x => (JsonNode)JsonValue.Create(x)).ToArray());
}
