using System.Globalization;
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
        using var doc = JsonInput.Parse(path, InputFiles.ReadAllBytes(path, "a readable config.json file"));
        if (doc.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object)
            throw new InputException(path, "", "a JSON object at the top level", JsonInput.Show(doc.RootElement));
        return Parse(new JsonInputObject(path, doc.RootElement));
    }

    private static ModelConfig Parse(JsonInputObject f)
    {
        var path = f.Source;
        var family = ModelFamilies.Get(f.RequiredString("model_type"), path);
        var scaling = ScalingObject(f);
        RejectUnsupportedArchitecture(f);

        int vocab = f.RequiredPositiveInt("vocab_size");
        int hidden = f.RequiredPositiveInt("hidden_size");
        int intermediate = f.RequiredPositiveInt("intermediate_size");
        int layers = f.RequiredPositiveInt("num_hidden_layers");
        int heads = f.RequiredPositiveInt("num_attention_heads");
        int kvHeads = f.PositiveInt("num_key_value_heads") ?? heads;
        int headDim = f.PositiveInt("head_dim") ?? DeriveHeadDim(path, hidden, heads);
        if (headDim % 2 != 0)
            throw new InputException(path, f.Has("head_dim") ? "head_dim" : "hidden_size / num_attention_heads",
                "an even head dimension (RoPE rotates pairs of dimensions)", headDim.ToString());
        if (heads % kvHeads != 0)
            throw new InputException(path, "num_key_value_heads", $"a divisor of num_attention_heads={heads}", kvHeads.ToString());
        int rotaryDim = RotaryDim(f, scaling, family, headDim);

        // transformers v5 (RotaryEmbeddingConfigMixin): a rope_theta inside the rope parameters wins over the top-level one.
        double ropeTheta = scaling?.PositiveDouble("rope_theta")
            ?? f.PositiveDouble("rope_theta")
            ?? DefaultRopeTheta;
        double eps = f.RequiredPositiveDouble("rms_norm_eps");
        int maxPos = f.RequiredPositiveInt("max_position_embeddings");
        var published = RopeScalingReader.Read(f, scaling, family, rotaryDim, ropeTheta, maxPos);
        int trainedContext = published?.Type is "yarn" or "llama3" or "longrope"
            ? published.OriginalLength
            : f.PositiveInt("original_max_position_embeddings")
              ?? scaling?.PositiveInt("original_max_position_embeddings")
              ?? maxPos;
        var biases = family.Biases(f);
        var windows = family.SlidingWindow(f, layers);

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
            RotaryDim = rotaryDim,
            RopeTheta = ropeTheta,
            RmsNormEps = eps,
            MaxPositionEmbeddings = maxPos,
            // The reason for the window is on ModelConfig.OriginalMaxPositionEmbeddings.
            OriginalMaxPositionEmbeddings = windows is { Window: var w } && w < trainedContext ? w : trainedContext,
            TieWordEmbeddings = f.Bool("tie_word_embeddings") ?? false,
            QkvBias = biases.Qkv,
            OutputBias = biases.Output,
            SlidingWindow = windows?.Window,
            WindowedLayers = windows?.Layers,
            RopeScaling = published,
            SourcePath = path,
        };
    }

    /// <summary>
    /// The object holding the RoPE parameters, as transformers v5 picks it: rope_scaling when it is a non-empty object
    /// (`rope_scaling or rope_parameters`), else rope_parameters; null when neither is there.
    /// </summary>
    private static JsonInputObject? ScalingObject(JsonInputObject f)
    {
        var ropeScaling = f.Object("rope_scaling");
        var ropeParameters = f.Object("rope_parameters");
        bool scalingEmpty = f.Get("rope_scaling") is { } e && !e.EnumerateObject().Any();
        return ropeScaling is { } rs && !scalingEmpty ? rs : ropeParameters;
    }

    /// <summary>
    /// int(head_dim × partial_rotary_factor), the factor read from the top level, else from the rope parameters
    /// (transformers' standardize_rope_params copies a top-level value over the dict's), else 1.
    /// </summary>
    private static int RotaryDim(JsonInputObject f, JsonInputObject? scaling, ModelFamily family, int headDim)
    {
        var source = f.Has("partial_rotary_factor") ? f : scaling is { } s && s.Has("partial_rotary_factor") ? s : (JsonInputObject?)null;
        if (source is not { } src) return headDim;
        const string Name = "partial_rotary_factor";
        double factor = src.Double(Name)!.Value;
        if (!(factor > 0 && factor <= 1))
            throw new InputException(src.Source, src.Field(Name), "a number in (0, 1]", factor.ToString("R", CultureInfo.InvariantCulture));
        if (factor != 1.0 && !family.PartialRotary)
            throw new InputException(src.Source, src.Field(Name),
                $"1: transformers' {family.ModelType} attention rotates the whole head (partial rotary embedding runs in model_type phi3)",
                factor.ToString("R", CultureInfo.InvariantCulture));
        int rotaryDim = (int)(headDim * factor); // Python's int(): truncation, as transformers computes dim
        if (rotaryDim < 2 || rotaryDim % 2 != 0)
            throw new InputException(src.Source, src.Field(Name),
                $"a factor giving an even rotary dimension of at least 2 (int(head_dim {headDim} × factor))", $"{factor.ToString("R", CultureInfo.InvariantCulture)} (rotary dimension {rotaryDim})");
        return rotaryDim;
    }

    private static int DeriveHeadDim(string path, int hidden, int heads)
    {
        if (hidden % heads != 0)
            throw new InputException(path, "num_attention_heads",
                $"a divisor of hidden_size={hidden} (or an explicit head_dim)", heads.ToString());
        return hidden / heads;
    }

    /// <summary>Refuses configs whose forward pass differs from the one the engine implements.</summary>
    private static void RejectUnsupportedArchitecture(JsonInputObject f)
    {
        if (f.String("hidden_act") is { } act && act != "silu")
            throw new InputException(f.Source, "hidden_act", "\"silu\" (the only supported MLP activation)", $"\"{act}\"");
        if (f.Bool("mlp_bias") == true)
            throw new InputException(f.Source, "mlp_bias", "false (MLP biases are unsupported)", "true");
    }
}
