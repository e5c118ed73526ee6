using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// Reads a Hugging Face config.json of the Llama family into a validated <see cref="ModelConfig"/>.
/// Defaults follow transformers; fields the result depends on numerically (sizes, eps, context length) are
/// required rather than defaulted, so a truncated config fails loudly instead of giving a different model.
/// </summary>
internal static class ModelConfigLoader
{
    /// <summary>transformers' LlamaConfig default when neither rope_theta nor rope_parameters.rope_theta is present.</summary>
    private const double DefaultRopeTheta = 10000.0;

    public static ModelConfig Load(string path)
    {
        if (!File.Exists(path))
            throw new InputException(path, "", "an existing config.json file", Directory.Exists(path) ? "a directory" : "no such file");
        using var doc = JsonFields.ParseDocument(path, InputFiles.ReadAllBytes(path, "a readable config.json file"));
        if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
            throw new InputException(path, "", "a JSON object at the top level", JsonFields.Show(doc.RootElement));
        return Parse(new JsonFields(path, doc.RootElement));
    }

    private static ModelConfig Parse(JsonFields f)
    {
        var path = f.Source;
        var family = ModelFamilies.Get(f.RequiredString("model_type"), path);

        var ropeScaling = f.OptionalObject("rope_scaling");
        var ropeParameters = f.OptionalObject("rope_parameters");
        RejectUnsupportedArchitecture(f, ropeParameters);

        int vocab = f.RequiredPositiveInt("vocab_size");
        int hidden = f.RequiredPositiveInt("hidden_size");
        int intermediate = f.RequiredPositiveInt("intermediate_size");
        int layers = f.RequiredPositiveInt("num_hidden_layers");
        int heads = f.RequiredPositiveInt("num_attention_heads");
        int kvHeads = f.OptionalPositiveInt("num_key_value_heads") ?? heads;
        int headDim = f.OptionalPositiveInt("head_dim") ?? DeriveHeadDim(path, hidden, heads);
        if (headDim % 2 != 0)
            throw new InputException(path, f.Has("head_dim") ? "head_dim" : "hidden_size / num_attention_heads",
                "an even head dimension (RoPE rotates pairs of dimensions)", headDim.ToString());
        if (heads % kvHeads != 0)
            throw new InputException(path, "num_key_value_heads", $"a divisor of num_attention_heads={heads}", kvHeads.ToString());

        double ropeTheta = f.OptionalPositiveDouble("rope_theta")
            ?? ropeParameters?.OptionalPositiveDouble("rope_theta")
            ?? DefaultRopeTheta;
        double eps = f.RequiredPositiveDouble("rms_norm_eps");
        int maxPos = f.RequiredPositiveInt("max_position_embeddings");
        int trainedContext = f.OptionalPositiveInt("original_max_position_embeddings")
            ?? ropeScaling?.OptionalPositiveInt("original_max_position_embeddings")
            ?? ropeParameters?.OptionalPositiveInt("original_max_position_embeddings")
            ?? maxPos;
        var biases = family.Biases(f);
        int? slidingWindow = family.SlidingWindow(f, layers);

        return new ModelConfig
        {
            ModelType = family.ModelType,
            VocabSize = vocab,
            HiddenSize = hidden,
            IntermediateSize = intermediate,
            NumLayers = layers,
            NumHeads = heads,
            NumKvHeads = kvHeads,
            HeadDim = headDim,
            RopeTheta = ropeTheta,
            RmsNormEps = eps,
            MaxPositionEmbeddings = maxPos,
            // The reason for the window is on ModelConfig.OriginalMaxPositionEmbeddings.
            OriginalMaxPositionEmbeddings = slidingWindow is int w && w < trainedContext ? w : trainedContext,
            TieWordEmbeddings = f.OptionalBool("tie_word_embeddings") ?? false,
            QkvBias = biases.Qkv,
            OutputBias = biases.Output,
            SlidingWindow = slidingWindow,
            RopeScaling = Scaling(ropeScaling) ?? Scaling(ropeParameters),
            SourcePath = path,
        };
    }

    private static int DeriveHeadDim(string path, int hidden, int heads)
    {
        if (hidden % heads != 0)
            throw new InputException(path, "num_attention_heads",
                $"a divisor of hidden_size={hidden} (or an explicit head_dim)", heads.ToString());
        return hidden / heads;
    }

    /// <summary>Refuses configs whose forward pass differs from the one the engine implements.</summary>
    private static void RejectUnsupportedArchitecture(JsonFields f, JsonFields? ropeParameters)
    {
        foreach (var source in new[] { (JsonFields?)f, ropeParameters })
        {
            if (source is not { } s) continue;
            if (s.OptionalDouble("partial_rotary_factor") is { } prf && prf != 1.0)
                throw new InputException(s.Source, s.FieldName("partial_rotary_factor"),
                    "1 (rotary embedding on the whole head); partial rotary embedding is unsupported", prf.ToString("R"));
        }
        if (f.OptionalString("hidden_act") is { } act && act != "silu")
            throw new InputException(f.Source, "hidden_act", "\"silu\" (the only supported MLP activation)", $"\"{act}\"");
        if (f.OptionalBool("mlp_bias") == true)
            throw new InputException(f.Source, "mlp_bias", "false (MLP biases are unsupported)", "true");
    }

    /// <summary>The scaling of rope_scaling or rope_parameters, or null when absent or rope_type "default" (plain RoPE).</summary>
    private static PretrainedRopeScaling? Scaling(JsonFields? scaling)
    {
        if (scaling is not { } s) return null;
        var type = s.OptionalString("rope_type") ?? s.OptionalString("type");
        return type is null or "default" ? null : new PretrainedRopeScaling(s.Prefix.TrimEnd('.'), type);
    }
}
