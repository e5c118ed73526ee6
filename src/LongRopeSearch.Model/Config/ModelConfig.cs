namespace LongRopeSearch.Model;

/// <summary>
/// The fields of a Hugging Face Llama-family config.json that the engine needs, validated.
/// Derived defaults follow transformers: num_key_value_heads absent = num_attention_heads (MHA),
/// head_dim absent = hidden_size / num_attention_heads, original_max_position_embeddings absent = max_position_embeddings.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>llama, mistral or qwen2.</summary>
    public required string ModelType { get; init; }
    public required int VocabSize { get; init; }
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumLayers { get; init; }
    public required int NumHeads { get; init; }
    public required int NumKvHeads { get; init; }
    public required int HeadDim { get; init; }
    public required double RopeTheta { get; init; }
    public required double RmsNormEps { get; init; }
    public required int MaxPositionEmbeddings { get; init; }

    /// <summary>L0: the context the model was trained at (original_max_position_embeddings, else max_position_embeddings).</summary>
    public required int OriginalMaxPositionEmbeddings { get; init; }
    public required bool TieWordEmbeddings { get; init; }

    /// <summary>q, k and v projections carry a bias (llama attention_bias, always for qwen2).</summary>
    public required bool QkvBias { get; init; }

    /// <summary>o projection carries a bias (llama attention_bias only).</summary>
    public required bool OutputBias { get; init; }

    /// <summary>Byte-level tokenization: vocab_size 256 and no tokenizer file next to the config.</summary>
    public required bool ByteLevel { get; init; }

    /// <summary>
    /// Sliding-window attention span in tokens (mistral sliding_window; qwen2 only when use_sliding_window), null when
    /// attention is global. The engine computes full attention, so it refuses sequences longer than this.
    /// </summary>
    public int? SlidingWindow { get; init; }

    /// <summary>
    /// rope_type (or legacy "type") of a pretrained RoPE scaling in rope_scaling / rope_parameters, e.g. "llama3" or
    /// "yarn"; null when the model uses plain RoPE ("default"). The base frequencies θ_i assume plain RoPE, so callers
    /// decide whether to refuse such a model.
    /// </summary>
    public string? RopeScalingType { get; init; }

    /// <summary>Path of the config.json this came from (for error messages).</summary>
    public string SourcePath { get; init; } = "config.json";

    /// <summary>Rotary frequency pairs per head: one λ per pair.</summary>
    public int RotaryPairs => HeadDim / 2;

    public int QueryDim => NumHeads * HeadDim;
    public int KvDim => NumKvHeads * HeadDim;

    /// <summary>Query heads sharing one key/value head.</summary>
    public int GroupSize => NumHeads / NumKvHeads;

    /// <summary>Parses and validates config.json at <paramref name="path"/>; throws <see cref="Core.InputException"/> naming the field.</summary>
    public static ModelConfig Load(string path) => ModelConfigLoader.Load(path);
}
