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
    /// L0, the context the search extends from: original_max_position_embeddings (top level, else in rope_scaling or
    /// rope_parameters), else max_position_embeddings; and when the model attends through a sliding window smaller
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
    /// Sliding-window attention span in tokens as transformers applies it (mistral: sliding_window, 4096 when the key
    /// is absent, none when null; qwen2: only with use_sliding_window and at least one windowed layer), null when
    /// attention is global. The engine computes full attention, so it refuses sequences longer than this.
    /// </summary>
    public int? SlidingWindow { get; init; }

    /// <summary>
    /// A pretrained RoPE scaling found in rope_scaling or rope_parameters (any rope_type other than "default"), e.g.
    /// "llama3" or "yarn"; null for plain RoPE. It is read so that a later version can apply it; until then
    /// <see cref="ModelFolder.Open"/> refuses such a model rather than score it as plain RoPE.
    /// </summary>
    public PretrainedRopeScaling? RopeScaling { get; init; }

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

/// <summary>A checkpoint's own RoPE scaling: the config.json object it sits in and its rope_type (or legacy "type").</summary>
/// <param name="Field">"rope_scaling" or "rope_parameters".</param>
/// <param name="Type">e.g. "linear", "dynamic", "yarn", "llama3", "longrope".</param>
public sealed record PretrainedRopeScaling(string Field, string Type);
