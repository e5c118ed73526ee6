namespace LongRopeSearch.Model;

/// <summary>
/// One decoder layer's tensors. Matrices are [out, in]. For a family with fused projections (Phi-3) Q, K, V and
/// Gate, Up are row-range views of the fused model tensor.
/// </summary>
public sealed class LayerWeights
{
    public required Tensor InputNorm { get; init; }      // [hidden]
    public required Tensor Q { get; init; }              // [heads·head_dim, hidden]
    public required Tensor K { get; init; }              // [kv_heads·head_dim, hidden]
    public required Tensor V { get; init; }              // [kv_heads·head_dim, hidden]
    public required Tensor O { get; init; }              // [hidden, heads·head_dim]
    public Tensor? QBias { get; init; }                  // [heads·head_dim]
    public Tensor? KBias { get; init; }                  // [kv_heads·head_dim]
    public Tensor? VBias { get; init; }                  // [kv_heads·head_dim]
    public Tensor? OBias { get; init; }                  // [hidden]
    public required Tensor PostAttentionNorm { get; init; } // [hidden]
    public required Tensor Gate { get; init; }           // [intermediate, hidden]
    public required Tensor Up { get; init; }             // [intermediate, hidden]
    public required Tensor Down { get; init; }           // [hidden, intermediate]
}

/// <summary>All tensors of a Llama-shaped decoder, bound by the family's binder and checked for shape against the config.</summary>
public sealed class LlamaWeights
{
    public required ModelConfig Config { get; init; }
    public required Tensor Embed { get; init; }          // [vocab, hidden]
    public required LayerWeights[] Layers { get; init; }
    public required Tensor FinalNorm { get; init; }      // [hidden]

    /// <summary>[vocab, hidden]; the embedding itself when tie_word_embeddings.</summary>
    public required Tensor LmHead { get; init; }

    /// <summary>
    /// Binds tensors by Hugging Face name with the binder of the config's model_type (<see cref="ModelFamilies"/>);
    /// every expected tensor must be present with the shape the config implies.
    /// <paramref name="source"/> names the model folder in error messages.
    /// </summary>
    public static LlamaWeights Bind(ModelConfig config, IReadOnlyDictionary<string, Tensor> tensors, string source) =>
        WeightBinder.Bind(config, tensors, source);
}
