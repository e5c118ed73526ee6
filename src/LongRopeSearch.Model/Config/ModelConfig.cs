using LongRopeSearch.Rope;

namespace LongRopeSearch.Model;

/// <summary>
/// The fields of a Hugging Face config.json that the engine needs, validated. Derived defaults follow transformers:
/// num_key_value_heads absent = num_attention_heads (MHA), head_dim absent = hidden_size / num_attention_heads.
/// What differs between model types (biases, sliding window, weight layout) comes from the family table
/// (<see cref="ModelFamilies"/>), not from checks on <see cref="ModelType"/> elsewhere.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>config.json model_type: one of <see cref="ModelFamilies.SupportedModelTypes"/>.</summary>
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

    /// <summary>
    /// L0, the context the search extends from: the original length of the model's own scaling when it has one
    /// (<see cref="PublishedScaling.OriginalLength"/> of yarn, llama3, longrope), else original_max_position_embeddings
    /// (top level, else in rope_scaling or rope_parameters), else max_position_embeddings; and when the model attends through a sliding window smaller
    /// than that, the window. Why the window: a windowed model never relates two tokens further apart than the window,
    /// so relative distances beyond it are as unseen as positions beyond the trained context. The official search
    /// (microsoft/LongRoPE, evolution/search.py and rope/__init__.py) takes config.sliding_window as the original length
    /// whenever it is set; we take it only when it is in effect (qwen2 needs use_sliding_window and a windowed layer)
    /// and smaller, so a window wider than the trained context cannot stretch L0 past what the model was trained at.
    /// </summary>
    public required int OriginalMaxPositionEmbeddings { get; init; }
    public required bool TieWordEmbeddings { get; init; }

    /// <summary>q, k and v projections carry a bias (the family's rule: llama attention_bias, always for qwen2).</summary>
    public required bool QkvBias { get; init; }

    /// <summary>o projection carries a bias (the family's rule: llama attention_bias only).</summary>
    public required bool OutputBias { get; init; }

    /// <summary>
    /// Sliding-window attention span in keys as transformers applies it (mistral: sliding_window, 4096 when the key is
    /// absent, none when null; qwen2: only with use_sliding_window and at least one windowed layer; phi3: sliding_window
    /// as written), null when attention is global. Query t attends to keys max(0, t − W + 1)..t (transformers'
    /// sliding_window_overlay: kv_idx &gt; q_idx − W), on the layers <see cref="WindowedLayers"/> names.
    /// </summary>
    public int? SlidingWindow { get; init; }

    /// <summary>
    /// Which layers use <see cref="SlidingWindow"/>, one flag per layer (qwen2's layer_types / max_window_layers rule);
    /// null means every layer (mistral, phi3).
    /// </summary>
    public IReadOnlyList<bool>? WindowedLayers { get; init; }

    /// <summary>
    /// The model's own RoPE scaling (rope_scaling, or transformers v5's rope_parameters, of rope_type linear, dynamic,
    /// yarn, llama3 or longrope), null for plain RoPE. `eval` scores the model as published through
    /// <see cref="PublishedScaling.FactorsAt"/>; a searched factor set replaces it (λ relative to the plain θ_i).
    /// </summary>
    public PublishedScaling? RopeScaling { get; init; }

    /// <summary>
    /// The rotated part of each head: int(head_dim × partial_rotary_factor) as transformers computes it (phi3 only; the
    /// whole head elsewhere). Dims [0, RotaryDim) rotate with the pairing (i, i + RotaryDim/2); the rest pass through.
    /// </summary>
    public int RotaryDim
    {
        get => _rotaryDim ?? HeadDim;
        init => _rotaryDim = value;
    }

    private readonly int? _rotaryDim;

    /// <summary>Path of the config.json this came from (for error messages).</summary>
    public string SourcePath { get; init; } = "config.json";

    /// <summary>Rotary frequency pairs per head: one λ per pair (RotaryDim / 2; a factor set has this many λ).</summary>
    public int RotaryPairs => RotaryDim / 2;

    public int QueryDim => NumHeads * HeadDim;
    public int KvDim => NumKvHeads * HeadDim;

    /// <summary>Query heads sharing one key/value head.</summary>
    public int GroupSize => NumHeads / NumKvHeads;

    /// <summary>The window of layer <paramref name="layer"/>'s attention in keys, or null for global causal attention.</summary>
    public int? AttentionWindow(int layer) =>
        SlidingWindow is int w && (WindowedLayers is null || WindowedLayers[layer]) ? w : null;

    /// <summary>Parses and validates config.json at <paramref name="path"/>; throws <see cref="Core.InputException"/> naming the field.</summary>
    public static ModelConfig Load(string path) => ModelConfigLoader.Load(path);
}
