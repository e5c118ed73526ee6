using System.Text.Json;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// The family table: model_type → how to read that family's config.json and bind its weights. Adding a family is a
/// new entry here (and, for a new weight layout, an <see cref="ILayerBinder"/>); nothing else switches on model_type.
/// </summary>
public static class ModelFamilies
{
    /// <summary>transformers' MistralConfig and Qwen2Config default when the sliding_window key is absent.</summary>
    private const int DefaultSlidingWindow = 4096;

    /// <summary>transformers' Qwen2Config default: layers from this index on use the window.</summary>
    private const int DefaultQwen2MaxWindowLayers = 28;

    internal static readonly ModelFamily Llama = new("llama",
        // LlamaAttention: every projection's bias is config.attention_bias.
        f => f.OptionalBool("attention_bias") is true ? new ProjectionBiases(true, true) : default,
        (_, _) => null,
        SeparateProjections.Instance);

    internal static readonly ModelFamily Mistral = new("mistral",
        // MistralAttention builds q/k/v/o without bias whatever the config says.
        _ => default,
        (f, _) => f.IsPresent("sliding_window") ? f.OptionalPositiveInt("sliding_window") : DefaultSlidingWindow,
        SeparateProjections.Instance);

    internal static readonly ModelFamily Qwen2 = new("qwen2",
        // Qwen2Attention: q/k/v with bias, o without.
        _ => new ProjectionBiases(true, false),
        Qwen2SlidingWindow,
        SeparateProjections.Instance);

    /// <summary>
    /// Phi-3's layout (fused qkv_proj and gate_up_proj, no biases, sliding_window as written) binds and is tested, but
    /// the family is not in <see cref="Table"/>: its forward pass (partial_rotary_factor, its own rope_scaling) is not
    /// yet proven against PyTorch, so a phi3 folder is refused by model_type until it is.
    /// </summary>
    internal static readonly ModelFamily Phi3 = new("phi3",
        _ => default,
        (f, _) => f.OptionalPositiveInt("sliding_window"),
        FusedProjections.Instance);

    private static readonly ModelFamily[] Table = [Llama, Mistral, Qwen2];

    /// <summary>The model_type values a model folder may have.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = Table.Select(f => f.ModelType).ToArray();

    /// <summary>The family of <paramref name="modelType"/>, or an InputException naming model_type in <paramref name="configPath"/>.</summary>
    internal static ModelFamily Get(string modelType, string configPath) =>
        Table.FirstOrDefault(f => f.ModelType == modelType)
        ?? throw new InputException(configPath, "model_type",
            $"one of {string.Join(", ", SupportedModelTypes)} (the supported model types)", $"\"{modelType}\"");

    /// <summary>
    /// Qwen2Config: the window exists only with use_sliding_window, and applies to the layers layer_types marks
    /// "sliding_attention" (by default those from max_window_layers on). No windowed layer means global attention.
    /// </summary>
    private static int? Qwen2SlidingWindow(JsonFields f, int layers)
    {
        if (f.OptionalBool("use_sliding_window") is not true) return null;
        int? window = f.IsPresent("sliding_window") ? f.OptionalPositiveInt("sliding_window") : DefaultSlidingWindow;
        if (window is null) return null;
        bool anyWindowed = f.Get("layer_types") is { } types
            ? LayerTypes(f, types, layers).Contains("sliding_attention")
            : (f.OptionalNonNegativeInt("max_window_layers") ?? DefaultQwen2MaxWindowLayers) < layers;
        return anyWindowed ? window : null;
    }

    private static List<string> LayerTypes(JsonFields f, JsonElement types, int layers)
    {
        const string expected = "an array of \"full_attention\" or \"sliding_attention\", one per layer";
        if (types.ValueKind != JsonValueKind.Array || types.GetArrayLength() != layers)
            throw new InputException(f.Source, f.FieldName("layer_types"), $"{expected} ({layers} layers)", JsonFields.Show(types));
        var list = new List<string>();
        foreach (var t in types.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.String || t.GetString() is not ("full_attention" or "sliding_attention"))
                throw new InputException(f.Source, f.FieldName($"layer_types[{list.Count}]"), expected, JsonFields.Show(t));
            list.Add(t.GetString()!);
        }
        return list;
    }
}
