using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Store.Gguf;

/// <summary>LongRoPE factors to put into a GGUF, in the form llama.cpp applies them.</summary>
public sealed record GgufLongRope
{
    /// <summary>Used when llama.cpp's context per sequence (n_ctx_seq) is larger than <see cref="OriginalLength"/>.</summary>
    public required FactorSet Long { get; init; }

    /// <summary>Used up to <see cref="OriginalLength"/>; null writes all ones (plain RoPE, still times the attention factor).</summary>
    public FactorSet? Short { get; init; }

    /// <summary>rope.scaling.original_context_length: the switch point between the short and the long factors.</summary>
    public required int OriginalLength { get; init; }

    /// <summary>context_length: the length the long factors were searched for.</summary>
    public required int TargetLength { get; init; }

    /// <summary>Where the factors come from (a best file, a job directory), for messages.</summary>
    public string Source { get; init; } = "factor set";
}

public sealed record GgufExportOptions
{
    public GgufOutType OutType { get; init; } = GgufOutType.AsStored;

    /// <summary>general.name; default: the model folder's name.</summary>
    public string? Name { get; init; }

    /// <summary>general.description, e.g. that the factors are the best so far of an unfinished search.</summary>
    public string? Description { get; init; }

    /// <summary>
    /// A GGUF of the same model made by llama.cpp's convert_hf_to_gguf.py whose tokenizer.* keys are copied (for
    /// models with a real tokenizer, which this exporter does not convert itself). Null for byte-level models.
    /// </summary>
    public string? TokenizerFrom { get; init; }

    public IProgress<GgufWriteProgress>? Progress { get; init; }
}

/// <summary>What was written, and what the caller must tell the user.</summary>
public sealed record GgufExportResult(string Path, long Bytes, int Tensors, IReadOnlyList<string> Warnings);

/// <summary>
/// Writes a Llama-family model folder (llama, mistral, qwen2, phi3 with its whole head rotated) as a GGUF of llama.cpp architecture "llama" that
/// llama.cpp loads and runs: the weights (q/k rows reordered for llama.cpp's rotation, see
/// <see cref="LlamaGgufLayout"/>), the hyper-parameters, a tokenizer, and optionally LongRoPE factors as llama.cpp
/// reads them for any architecture that loads them (llama does):
/// <list type="bullet">
/// <item>rope.scaling.type "longrope"; tensors rope_factors_long.weight and rope_factors_short.weight (F32, one λ per
/// rotary pair): the angle of pair i at position p is p·θ_i/λ_i (ggml_rope_ext divides θ by the freq factor).</item>
/// <item>rope.scaling.original_context_length: llama.cpp picks the long factors when its context per sequence
/// n_ctx_seq exceeds it, else the short ones (llama_model::get_rope_factors): a property of the context, not of the
/// prompt length.</item>
/// <item>rope.scaling.attn_factor: multiplies cos and sin for both sets (llama_context: yarn_attn_factor *=
/// rope_attn_factor; ext_factor is 0 for longrope, so ggml applies it unchanged).</item>
/// <item>never rope.scaling.factor: it would set freq_scale = 1/factor and scale every angle a second time.</item>
/// </list>
/// Positions below n̂ keeping the original angles cannot be expressed, so a factor set with n̂ &gt; 0 is refused.
/// The data is streamed from the memory-mapped model files and the file written atomically.
/// </summary>
public static class GgufExport
{
    public static GgufExportResult Write(string modelDir, GgufLongRope? rope, string outPath, GgufExportOptions? options = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(outPath);
        options ??= new GgufExportOptions();
        using var model = ModelFolder.Open(modelDir);
        var (metadata, tensors, warnings) = Build(model, rope, options);
        GgufWriter.Write(outPath, metadata, tensors, options.Progress, ct);
        return new GgufExportResult(Path.GetFullPath(outPath), new FileInfo(outPath).Length, tensors.Count, warnings);
    }

    /// <summary>
    /// Everything the file will hold, validated, before a byte is written (callers exporting several formats can call
    /// this first so that a refusal leaves nothing written). The tensor entries read from <paramref name="model"/>:
    /// keep it open until they are written.
    /// </summary>
    public static (GgufMetadata Metadata, IReadOnlyList<GgufTensorEntry> Tensors, IReadOnlyList<string> Warnings) Build(
        ModelFolder model, GgufLongRope? rope, GgufExportOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        var c = model.Config;
        var warnings = new List<string>();
        // The q/k row reorder below and llama.cpp's llama architecture rotate whole heads; a partial rotary head
        // (phi3 with partial_rotary_factor < 1) would be rotated on the wrong dims.
        if (c.RotaryDim != c.HeadDim)
            throw new InputException(c.SourcePath, "partial_rotary_factor",
                $"1 for a GGUF export (llama.cpp's llama architecture rotates the whole head of {c.HeadDim} dims)",
                $"a rotary dim of {c.RotaryDim}");
        string arch = LlamaGgufLayout.Architecture;

        var mapped = LlamaGgufLayout.Map(model.Weights);
        var tensors = new List<GgufTensorEntry>(mapped.Count + 2);
        foreach (var m in mapped)
        {
            // Vectors (norms, biases) stay float32, as the converter keeps them: exact, and what ggml's ops expect.
            var type = m.Source.Shape.Length == 1 ? GgufTensorType.F32 : GgufTensorData.Resolve(options.OutType, m.Source.DType);
            tensors.Add(GgufTensorData.Entry(m.Name, m.Source, type, m.RowOrder));
        }

        var md = new GgufMetadata();
        md.Set("general.architecture", arch);
        md.Set("general.name", options.Name ?? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(model.Directory))));
        if (options.Description is { } description) md.Set("general.description", description);
        md.Set("general.file_type", FileType(tensors[0].Type));
        md.Set($"{arch}.vocab_size", (uint)c.VocabSize);
        md.Set($"{arch}.context_length", (uint)(rope?.TargetLength ?? c.MaxPositionEmbeddings));
        md.Set($"{arch}.embedding_length", (uint)c.HiddenSize);
        md.Set($"{arch}.block_count", (uint)c.NumLayers);
        md.Set($"{arch}.feed_forward_length", (uint)c.IntermediateSize);
        md.Set($"{arch}.attention.head_count", (uint)c.NumHeads);
        md.Set($"{arch}.attention.head_count_kv", (uint)c.NumKvHeads);
        md.Set($"{arch}.attention.key_length", (uint)c.HeadDim);
        md.Set($"{arch}.attention.value_length", (uint)c.HeadDim);
        md.Set($"{arch}.attention.layer_norm_rms_epsilon", (float)c.RmsNormEps);
        md.Set($"{arch}.rope.dimension_count", (uint)c.HeadDim);
        md.Set($"{arch}.rope.freq_base", (float)c.RopeTheta);

        if (c.RopeScaling is { } own)
        {
            if (rope is null)
                throw new InputException(c.SourcePath, own.Field, $"no {own.Field} (plain RoPE) for a GGUF export without factors; this exporter writes LongRoPE factors and does not convert a model's own scaling", $"rope_type \"{own.Type}\"");
            warnings.Add($"{c.SourcePath}: the model's own {own.Field} (rope_type \"{own.Type}\") is replaced by the LongRoPE factors");
        }
        if (c.SlidingWindow is { } window)
            warnings.Add($"{c.SourcePath}: sliding_window {window} is not written: llama.cpp's llama architecture attends to the whole context");

        if (rope is not null) AddLongRope(md, tensors, rope, c, warnings);
        AddTokenizer(md, c, options, model.Directory, model.IsByteLevel);
        return (md, tensors, warnings);
    }

    private static void AddLongRope(GgufMetadata md, List<GgufTensorEntry> tensors, GgufLongRope rope, ModelConfig c, List<string> warnings)
    {
        string arch = LlamaGgufLayout.Architecture;
        var src = rope.Source;
        if (rope.OriginalLength < 1)
            throw new InputException(src, "original_context_length", "a positive integer", rope.OriginalLength.ToString(CultureInfo.InvariantCulture));
        if (rope.TargetLength <= rope.OriginalLength)
            throw new InputException(src, "target", $"a length above the switch point {rope.OriginalLength} (llama.cpp uses the long factors only beyond it)",
                rope.TargetLength.ToString(CultureInfo.InvariantCulture));
        CheckSet(rope.Long, "long", src, c);
        if (rope.Short is { } s) CheckSet(s, "short", src, c);

        double af = rope.Long.AttentionFactor;
        if (rope.Short is null)
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"no short factors in {src}: rope_factors_short is all ones, so contexts up to {rope.OriginalLength} run the original frequencies, with cos/sin still multiplied by rope.scaling.attn_factor = {af:0.######}"));
        else if (rope.Short.AttentionFactor != af)
            warnings.Add(string.Create(CultureInfo.InvariantCulture,
                $"{src}: the short factors were searched with attention factor {rope.Short.AttentionFactor:0.######}; llama.cpp has one rope.scaling.attn_factor for both sets, the long set's {af:0.######} is written"));

        md.Set($"{arch}.rope.scaling.type", "longrope");
        md.Set($"{arch}.rope.scaling.original_context_length", (uint)rope.OriginalLength);
        md.Set($"{arch}.rope.scaling.attn_factor", (float)af);
        tensors.Add(GgufTensorData.Vector(LlamaGgufLayout.RopeFactorsLong, ToFloats(rope.Long.Lambda)));
        var shortLambda = rope.Short?.Lambda ?? FactorSet.Identity(c.RotaryPairs).Lambda;
        tensors.Add(GgufTensorData.Vector(LlamaGgufLayout.RopeFactorsShort, ToFloats(shortLambda)));
    }

    private static void CheckSet(FactorSet set, string which, string source, ModelConfig c)
    {
        if (set.NHat > 0)
            throw new InputException(source, $"{which} n_hat",
                "0: llama.cpp cannot keep the first n̂ positions at the original angles (export the best deployable set, or search with \"n_hat_choices\": [0])",
                set.NHat.ToString(CultureInfo.InvariantCulture));
        if (set.Pairs != c.RotaryPairs)
            throw new InputException(source, $"{which} factors", $"{c.RotaryPairs} factors (head_dim {c.HeadDim} / 2 of {c.SourcePath})",
                set.Pairs.ToString(CultureInfo.InvariantCulture));
    }

    private static void AddTokenizer(GgufMetadata md, ModelConfig c, GgufExportOptions options, string modelDir, bool byteLevel)
    {
        if (options.TokenizerFrom is { } from)
        {
            var donor = GgufFile.Open(from);
            int copied = 0;
            foreach (var (key, value) in donor.Metadata.Entries)
            {
                if (!key.StartsWith("tokenizer.", StringComparison.Ordinal)) continue;
                md.Set(key, value);
                copied++;
            }
            if (!md.TryGet("tokenizer.ggml.tokens", out var tokens) || tokens.Type != GgufValueType.Array)
                throw new InputException(from, "tokenizer.ggml.tokens", "a tokenizer (a GGUF written by convert_hf_to_gguf.py for this model)", copied == 0 ? "no tokenizer keys" : "no token list");
            int n = ((Array)tokens.Value).Length;
            if (n != c.VocabSize)
                throw new InputException(from, "tokenizer.ggml.tokens", $"{c.VocabSize} tokens (vocab_size of {c.SourcePath})", n.ToString(CultureInfo.InvariantCulture));
            return;
        }
        if (!byteLevel)
        {
            var file = new[] { "tokenizer.json", "tokenizer.model" }.Select(f => Path.Combine(modelDir, f)).FirstOrDefault(File.Exists) ?? c.SourcePath;
            throw new InputException(file, "",
                "a byte-level model (vocab_size 256, no tokenizer file): this exporter writes only the byte vocabulary; for a real tokenizer " +
                "pass a GGUF of the same model made by llama.cpp's convert_hf_to_gguf.py to copy its tokenizer from");
        }
        md.Set("tokenizer.ggml.model", "gpt2");
        md.Set("tokenizer.ggml.pre", "default");
        md.Set("tokenizer.ggml.tokens", GgufValue.StringArray(ByteVocabulary.Tokens()));
        md.Set("tokenizer.ggml.token_type", GgufValue.Int32Array(Enumerable.Repeat(ByteVocabulary.NormalTokenType, 256).ToArray()));
        md.Set("tokenizer.ggml.merges", GgufValue.StringArray([]));
        md.Set("tokenizer.ggml.add_bos_token", false);
        md.Set("tokenizer.ggml.add_eos_token", false);
    }

    /// <summary>general.file_type (llama_ftype) from the type of the embedding: ALL_F32 0, MOSTLY_F16 1, MOSTLY_BF16 32.</summary>
    private static uint FileType(GgufTensorType t) => t switch
    {
        GgufTensorType.F32 => 0,
        GgufTensorType.F16 => 1,
        GgufTensorType.BF16 => 32,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    private static float[] ToFloats(IReadOnlyList<double> values) => values.Select(v => (float)v).ToArray();
}
