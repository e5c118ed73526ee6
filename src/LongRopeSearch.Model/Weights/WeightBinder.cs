using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// Binds Hugging Face tensor names to the roles of a Llama-family decoder and checks each shape against the one the
/// config implies. Tensors the config does not call for (rotary_emb.inv_freq, lm_head of a tied model, extra layers)
/// are ignored: they do not change the forward pass the engine computes.
/// </summary>
internal static class WeightBinder
{
    public static LlamaWeights Bind(ModelConfig config, IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        var c = config;
        var binder = new Lookup(tensors, source);
        var vocabByHidden = new Dim2(c.VocabSize, c.HiddenSize, $"vocab_size={c.VocabSize}, hidden_size={c.HiddenSize}");
        var hidden = new Dim1(c.HiddenSize, $"hidden_size={c.HiddenSize}");

        var embed = binder.Get("model.embed_tokens.weight", vocabByHidden);
        var layers = new LayerWeights[c.NumLayers];
        for (int i = 0; i < c.NumLayers; i++) layers[i] = BindLayer(c, binder, $"model.layers.{i}.");
        var finalNorm = binder.Get("model.norm.weight", hidden);
        var lmHead = c.TieWordEmbeddings ? embed : binder.Get("lm_head.weight", vocabByHidden);

        return new LlamaWeights { Config = config, Embed = embed, Layers = layers, FinalNorm = finalNorm, LmHead = lmHead };
    }

    private static LayerWeights BindLayer(ModelConfig c, Lookup binder, string prefix)
    {
        string q = $"num_attention_heads={c.NumHeads} × head_dim={c.HeadDim}";
        string kv = $"num_key_value_heads={c.NumKvHeads} × head_dim={c.HeadDim}";
        string h = $"hidden_size={c.HiddenSize}";
        string m = $"intermediate_size={c.IntermediateSize}";
        var hidden = new Dim1(c.HiddenSize, h);
        string attn = prefix + "self_attn.";
        string mlp = prefix + "mlp.";

        return new LayerWeights
        {
            InputNorm = binder.Get(prefix + "input_layernorm.weight", hidden),
            Q = binder.Get(attn + "q_proj.weight", new Dim2(c.QueryDim, c.HiddenSize, $"{q}, {h}")),
            K = binder.Get(attn + "k_proj.weight", new Dim2(c.KvDim, c.HiddenSize, $"{kv}, {h}")),
            V = binder.Get(attn + "v_proj.weight", new Dim2(c.KvDim, c.HiddenSize, $"{kv}, {h}")),
            O = binder.Get(attn + "o_proj.weight", new Dim2(c.HiddenSize, c.QueryDim, $"{h}, {q}")),
            QBias = c.QkvBias ? binder.Get(attn + "q_proj.bias", new Dim1(c.QueryDim, q + ", bias on q/k/v")) : null,
            KBias = c.QkvBias ? binder.Get(attn + "k_proj.bias", new Dim1(c.KvDim, kv + ", bias on q/k/v")) : null,
            VBias = c.QkvBias ? binder.Get(attn + "v_proj.bias", new Dim1(c.KvDim, kv + ", bias on q/k/v")) : null,
            OBias = c.OutputBias ? binder.Get(attn + "o_proj.bias", new Dim1(c.HiddenSize, h + ", attention_bias=true")) : null,
            PostAttentionNorm = binder.Get(prefix + "post_attention_layernorm.weight", hidden),
            Gate = binder.Get(mlp + "gate_proj.weight", new Dim2(c.IntermediateSize, c.HiddenSize, $"{m}, {h}")),
            Up = binder.Get(mlp + "up_proj.weight", new Dim2(c.IntermediateSize, c.HiddenSize, $"{m}, {h}")),
            Down = binder.Get(mlp + "down_proj.weight", new Dim2(c.HiddenSize, c.IntermediateSize, $"{h}, {m}")),
        };
    }

    /// <summary>An expected shape with the config fields it comes from, for the error message.</summary>
    private class ExpectedShape(int[] dims, string why)
    {
        public int[] Dims { get; } = dims;

        public override string ToString() => $"[{string.Join(", ", Dims)}] (from config {why})";
    }

    private sealed class Dim1(int n, string why) : ExpectedShape([n], why);

    private sealed class Dim2(int rows, int cols, string why) : ExpectedShape([rows, cols], why);

    private sealed class Lookup(IReadOnlyDictionary<string, Tensor> tensors, string source)
    {
        public Tensor Get(string name, ExpectedShape shape)
        {
            if (!tensors.TryGetValue(name, out var t))
                throw new InputException(source, $"tensor {name}", $"a tensor of shape {shape}", $"missing tensor {name} in {source}");
            if (!t.Shape.AsSpan().SequenceEqual(shape.Dims))
                throw new InputException(source, $"tensor {name}", $"shape {shape}", $"[{string.Join(", ", t.Shape)}]");
            return t;
        }
    }
}
