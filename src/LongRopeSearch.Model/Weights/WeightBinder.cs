using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// Binds Hugging Face tensor names to the roles of the decoder and checks each shape against the one the config
/// implies. The parts every family shares (embedding, norms, lm_head) are bound here; each layer's projections by
/// the family's <see cref="ILayerBinder"/>. Tensors the config does not call for (rotary_emb.inv_freq, lm_head of a
/// tied model, extra layers) are ignored: they do not change the forward pass the engine computes.
/// </summary>
internal static class WeightBinder
{
    public static LlamaWeights Bind(ModelConfig config, IReadOnlyDictionary<string, Tensor> tensors, string source) =>
        Bind(config, tensors, source, ModelFamilies.Get(config.ModelType, config.SourcePath));

    public static LlamaWeights Bind(ModelConfig config, IReadOnlyDictionary<string, Tensor> tensors, string source, ModelFamily family)
    {
        var c = config;
        var lookup = new TensorLookup(tensors, source);
        var vocabByHidden = new ExpectedShape([c.VocabSize, c.HiddenSize], $"vocab_size={c.VocabSize}, hidden_size={c.HiddenSize}");

        var embed = lookup.Get("model.embed_tokens.weight", vocabByHidden);
        var layers = new LayerWeights[c.NumLayers];
        for (int i = 0; i < c.NumLayers; i++) layers[i] = family.Layers.Bind(c, lookup, $"model.layers.{i}.");
        var finalNorm = lookup.Get("model.norm.weight", ExpectedShape.Hidden(c));
        var lmHead = c.TieWordEmbeddings ? embed : lookup.Get("lm_head.weight", vocabByHidden);

        return new LlamaWeights { Config = config, Embed = embed, Layers = layers, FinalNorm = finalNorm, LmHead = lmHead };
    }
}

/// <summary>An expected shape with the config fields it comes from, for the error message.</summary>
internal sealed class ExpectedShape(int[] dims, string why)
{
    public int[] Dims { get; } = dims;

    public static ExpectedShape Hidden(ModelConfig c) => new([c.HiddenSize], $"hidden_size={c.HiddenSize}");

    public override string ToString() => $"[{string.Join(", ", Dims)}] (from config {why})";
}

/// <summary>The model folder's tensors by name; a missing tensor or a wrong shape is an InputException naming the folder.</summary>
internal sealed class TensorLookup(IReadOnlyDictionary<string, Tensor> tensors, string source)
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
