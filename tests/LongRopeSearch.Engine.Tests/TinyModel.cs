using LongRopeSearch.Model;

namespace LongRopeSearch.Engine.Tests;

/// <summary>Shape and options of a tiny random Llama built in memory for the forward-pass tests.</summary>
public sealed record TinySpec
{
    public int Vocab { get; init; } = 19;
    public int Hidden { get; init; } = 16;
    public int Intermediate { get; init; } = 24;
    public int Layers { get; init; } = 2;
    public int Heads { get; init; } = 4;
    public int KvHeads { get; init; } = 2;
    public int HeadDim { get; init; } = 8;
    public double RopeTheta { get; init; } = 10000;
    public double Eps { get; init; } = 1e-5;
    public bool QkvBias { get; init; }
    public bool OutputBias { get; init; }
    public bool Tied { get; init; }
    public int? SlidingWindow { get; init; }
    public bool[]? WindowedLayers { get; init; }
    public int? RotaryDim { get; init; }
    public int Seed { get; init; } = 1234;

    public ModelConfig Config() => new()
    {
        ModelType = "llama",
        VocabSize = Vocab,
        HiddenSize = Hidden,
        IntermediateSize = Intermediate,
        NumLayers = Layers,
        NumHeads = Heads,
        NumKvHeads = KvHeads,
        HeadDim = HeadDim,
        RopeTheta = RopeTheta,
        RmsNormEps = Eps,
        MaxPositionEmbeddings = 64,
        OriginalMaxPositionEmbeddings = 64,
        TieWordEmbeddings = Tied,
        QkvBias = QkvBias,
        OutputBias = OutputBias,
        SlidingWindow = SlidingWindow,
        WindowedLayers = WindowedLayers,
        RotaryDim = RotaryDim ?? HeadDim,
        SourcePath = "tiny/config.json",
    };
}

/// <summary>One layer's weights as plain float arrays, [out, in] row-major like the safetensors.</summary>
public sealed class RawLayer
{
    public required float[] InputNorm { get; set; }   // [hidden]
    public required float[] Q { get; set; }           // [heads·d, hidden]
    public required float[] K { get; set; }           // [kv·d, hidden]
    public required float[] V { get; set; }           // [kv·d, hidden]
    public required float[] O { get; set; }           // [hidden, heads·d]
    public float[]? QBias { get; set; }               // [heads·d]
    public float[]? KBias { get; set; }               // [kv·d]
    public float[]? VBias { get; set; }               // [kv·d]
    public float[]? OBias { get; set; }               // [hidden]
    public required float[] PostNorm { get; set; }    // [hidden]
    public required float[] Gate { get; set; }        // [intermediate, hidden]
    public required float[] Up { get; set; }          // [intermediate, hidden]
    public required float[] Down { get; set; }        // [hidden, intermediate]
}

/// <summary>All weights of a tiny model as float arrays, so tests can transform them (e.g. duplicate kv heads, double W_q).</summary>
public sealed class RawModel
{
    public required TinySpec Spec { get; set; }
    public required float[] Embed { get; set; }       // [vocab, hidden]
    public required RawLayer[] Layers { get; set; }
    public required float[] FinalNorm { get; set; }   // [hidden]
    public required float[] LmHead { get; set; }      // [vocab, hidden]; same array as Embed when tied

    /// <summary>Random weights with magnitudes that keep attention position-sensitive (not uniform) and logits varied.</summary>
    public static RawModel Random(TinySpec spec)
    {
        var rng = new Random(spec.Seed);
        int h = spec.Hidden, qd = spec.Heads * spec.HeadDim, kvd = spec.KvHeads * spec.HeadDim, f = spec.Intermediate;
        float[] U(int n, double scale) => Enumerable.Range(0, n).Select(_ => (float)((rng.NextDouble() * 2 - 1) * scale)).ToArray();
        float[] Norm(int n) => Enumerable.Range(0, n).Select(_ => (float)(0.8 + 0.4 * rng.NextDouble())).ToArray();
        var embed = U(spec.Vocab * h, 1.7);
        var layers = new RawLayer[spec.Layers];
        for (int l = 0; l < layers.Length; l++)
        {
            layers[l] = new RawLayer
            {
                InputNorm = Norm(h),
                Q = U(qd * h, 3.0 / Math.Sqrt(h)),
                K = U(kvd * h, 3.0 / Math.Sqrt(h)),
                V = U(kvd * h, 1.7 / Math.Sqrt(h)),
                O = U(h * qd, 1.7 / Math.Sqrt(qd)),
                QBias = spec.QkvBias ? U(qd, 0.3) : null,
                KBias = spec.QkvBias ? U(kvd, 0.3) : null,
                VBias = spec.QkvBias ? U(kvd, 0.3) : null,
                OBias = spec.OutputBias ? U(h, 0.3) : null,
                PostNorm = Norm(h),
                Gate = U(f * h, 1.7 / Math.Sqrt(h)),
                Up = U(f * h, 1.7 / Math.Sqrt(h)),
                Down = U(h * f, 1.7 / Math.Sqrt(f)),
            };
        }
        return new RawModel
        {
            Spec = spec,
            Embed = embed,
            Layers = layers,
            FinalNorm = Norm(h),
            LmHead = spec.Tied ? embed : U(spec.Vocab * h, 2.5 / Math.Sqrt(h)),
        };
    }

    /// <summary>Binds the arrays as model tensors stored in <paramref name="dtype"/>.</summary>
    public LlamaWeights ToWeights(DType dtype = DType.F32)
    {
        var s = Spec;
        int h = s.Hidden, qd = s.Heads * s.HeadDim, kvd = s.KvHeads * s.HeadDim, f = s.Intermediate;
        Tensor T(string name, float[] v, params int[] shape) => Tensor.FromFloats(name, shape, v, dtype);
        Tensor? B(string name, float[]? v) => v is null ? null : T(name, v, v.Length);
        var embed = T("model.embed_tokens.weight", Embed, s.Vocab, h);
        return new LlamaWeights
        {
            Config = s.Config(),
            Embed = embed,
            FinalNorm = T("model.norm.weight", FinalNorm, h),
            LmHead = s.Tied ? embed : T("lm_head.weight", LmHead, s.Vocab, h),
            Layers = Layers.Select((l, i) => new LayerWeights
            {
                InputNorm = T($"l{i}.input_layernorm", l.InputNorm, h),
                Q = T($"l{i}.q_proj", l.Q, qd, h),
                K = T($"l{i}.k_proj", l.K, kvd, h),
                V = T($"l{i}.v_proj", l.V, kvd, h),
                O = T($"l{i}.o_proj", l.O, h, qd),
                QBias = B($"l{i}.q_proj.bias", l.QBias),
                KBias = B($"l{i}.k_proj.bias", l.KBias),
                VBias = B($"l{i}.v_proj.bias", l.VBias),
                OBias = B($"l{i}.o_proj.bias", l.OBias),
                PostAttentionNorm = T($"l{i}.post_attention_layernorm", l.PostNorm, h),
                Gate = T($"l{i}.gate_proj", l.Gate, f, h),
                Up = T($"l{i}.up_proj", l.Up, f, h),
                Down = T($"l{i}.down_proj", l.Down, h, f),
            }).ToArray(),
        };
    }

    /// <summary>Random token ids in [0, vocab).</summary>
    public static int[] Tokens(int vocab, int length, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, length).Select(_ => rng.Next(vocab)).ToArray();
    }
}
