using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>Which projections of a decoder layer carry a bias.</summary>
internal readonly record struct ProjectionBiases(bool Qkv, bool Output);

/// <summary>A sliding attention window and the layers it applies to (null: every layer).</summary>
internal sealed record LayerWindows(int Window, bool[]? Layers);

/// <summary>
/// One decoder family: the block is the same for all of them (RMSNorm, rotary attention with GQA, SwiGLU MLP); what
/// differs is how config.json says which biases, attention windows, rotary span and RoPE scalings the model has, and
/// how the model's safetensors store the projections. Each rule follows the family's transformers configuration and modeling
/// code.
/// </summary>
/// <param name="ModelType">config.json model_type.</param>
/// <param name="Biases">The biases transformers builds for this family from config.json.</param>
/// <param name="SlidingWindow">The attention window transformers applies (config, num_hidden_layers), or null for global attention.</param>
/// <param name="Layers">Binds one layer's tensors.</param>
internal sealed record ModelFamily(
    string ModelType,
    Func<JsonInputObject, ProjectionBiases> Biases,
    Func<JsonInputObject, int, LayerWindows?> SlidingWindow,
    ILayerBinder Layers)
{
    /// <summary>
    /// The family's attention rotates only the first head_dim × partial_rotary_factor dims (Phi-3's
    /// apply_rotary_pos_emb slices q and k by the rotary dim). Elsewhere transformers rotates the whole head and a
    /// factor other than 1 cannot run, so it is refused.
    /// </summary>
    public bool PartialRotary { get; init; }

    /// <summary>The rope_type values the family's config accepts, after <see cref="RopeTypeAliases"/>; null: all supported.</summary>
    public IReadOnlyList<string>? RopeTypes { get; init; }

    /// <summary>Legacy rope_type names the family's config renames (Phi3Config: "su" and "yarn" become "longrope").</summary>
    public IReadOnlyDictionary<string, string>? RopeTypeAliases { get; init; }

    /// <summary>
    /// original_max_position_embeddings when config.json leaves it out, for a family whose config class always has the
    /// attribute (Phi3Config: 4096). transformers then puts it in the rope parameters of yarn, llama3 and longrope
    /// ahead of any value written there.
    /// </summary>
    public int? DefaultOriginalMaxPositionEmbeddings { get; init; }
}
