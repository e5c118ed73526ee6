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
        f => f.Bool("attention_bias") is true ? new ProjectionBiases(true, true) : default,
        (_, _) => null,
        SeparateProjections.Instance);

    internal static readonly ModelFamily Mistral = new("mistral",
        // MistralAttention builds q/k/v/o without bias whatever the config says.
        _ => default,
        (f, _) => EveryLayer(f.IsPresent("sliding_window") ? f.PositiveInt("sliding_window") : DefaultSlidingWindow),
        SeparateProjections.Instance);

    internal static readonly ModelFamily Qwen2 = new("qwen2",
        // Qwen2Attention: q/k/v with bias, o without.
        _ => new ProjectionBiases(true, false),
        Qwen2SlidingWindow,
        SeparateProjections.Instance);

    /// <summary>
    /// Phi-3 (Phi3ForCausalLM): fused qkv_proj and gate_up_proj (gate first), no biases, sliding_window as written on
    /// every layer (none when absent), rotary embedding on the first head_dim × partial_rotary_factor dims, and only
    /// rope_type longrope (Phi3Config renames the legacy "su" and "yarn" to it and refuses the others), with
    /// original_max_position_embeddings 4096 when config.json leaves it out.
    /// </summary>
    internal static readonly ModelFamily Phi3 = new("phi3",
        _ => default,
        (f, _) => EveryLayer(f.PositiveInt("sliding_window")),
        FusedProjections.Instance)
    {
        PartialRotary = true,
        RopeTypes = ["longrope"],
        RopeTypeAliases = new Dictionary<string, string>(StringComparer.Ordinal) { ["su"] = "longrope", ["yarn"] = "longrope" },
        DefaultOriginalMaxPositionEmbeddings = 4096,
    };

    private static readonly ModelFamily[] Table = [Llama, Mistral, Qwen2, Phi3];

    /// <summary>The model_type values a model folder may have.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = Table.Select(f => f.ModelType).ToArray();

    /// <summary>The family of <paramref name="modelType"/>, or an InputException naming model_type in <paramref name="configPath"/>.</summary>
    internal static ModelFamily Get(string modelType, string configPath) =>
        Table.FirstOrDefault(f => f.ModelType == modelType)
        ?? throw new InputException(configPath, "model_type",
            $"one of {string.Join(", ", SupportedModelTypes)} (the supported model types)", $"\"{modelType}\"");

    private static LayerWindows? EveryLayer(int? window) => window is int w ? new LayerWindows(w, null) : null;

    /// <summary>
    /// Qwen2Config: the window exists only with use_sliding_window, and applies to the layers layer_types marks
    /// "sliding_attention" (by default those from max_window_layers on: layer i is windowed when i ≥ max_window_layers).
    /// No windowed layer means global attention.
    /// </summary>
    private static LayerWindows? Qwen2SlidingWindow(JsonInputObject f, int layers)
    {
        if (f.Bool("use_sliding_window") is not true) return null;
        int? window = f.IsPresent("sliding_window") ? f.PositiveInt("sliding_window") : DefaultSlidingWindow;
        if (window is not int w) return null;
        bool[] windowed;
        if (f.Get("layer_types") is { } types)
        {
            windowed = LayerTypes(f, types, layers).Select(t => t == "sliding_attention").ToArray();
        }
        else
        {
            int first = f.Int("max_window_layers", 0) ?? DefaultQwen2MaxWindowLayers;
            windowed = Enumerable.Range(0, layers).Select(i => i >= first).ToArray();
        }
        return windowed.Contains(true) ? new LayerWindows(w, windowed) : null;
    }

    private static List<string> LayerTypes(JsonInputObject f, JsonElement types, int layers)
    {
        const string expected = "an array of \"full_attention\" or \"sliding_attention\", one per layer";
        if (types.ValueKind != JsonValueKind.Array || types.GetArrayLength() != layers)
            throw new InputException(f.Source, f.Field("layer_types"), $"{expected} ({layers} layers)", JsonInput.Show(types));
        var list = new List<string>();
        foreach (var t in types.EnumerateArray())
        {
            if (t.ValueKind != JsonValueKind.String || t.GetString() is not ("full_attention" or "sliding_attention"))
                throw new InputException(f.Source, f.Field($"layer_types[{list.Count}]"), expected, JsonInput.Show(t));
            list.Add(t.GetString()!);
        }
        return list;
    }
}
