using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.Gguf;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Gguf.Tests;

/// <summary>What the exporter writes, read back with the GGUF reader (llama.cpp's reading is LlamaCppNllTests).</summary>
public sealed class GgufExportTests : IDisposable
{
    private const int Pairs = 32;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static FactorSet Yarn8() => Baselines.Yarn(TinyBrown.Geometry(), 8);

    private static GgufLongRope Rope(FactorSet longSet, FactorSet? shortSet = null) =>
        new() { Long = longSet, Short = shortSet, OriginalLength = TinyBrown.L0, TargetLength = 2048, Source = "best/long-2048.json" };

    [Fact]
    public void Hyper_parameters_and_longrope_keys_are_written_and_no_scaling_factor()
    {
        var path = _dir.File("m.gguf");
        var longSet = Yarn8();
        var result = GgufExport.Write(TinyBrown.ModelDir, Rope(longSet), path);
        var f = GgufFile.Open(path);
        var c = ModelConfig.Load(Path.Combine(TinyBrown.ModelDir, "config.json"));
        var md = f.Metadata;

        Assert.Equal("llama", md["general.architecture"].Value);
        Assert.Equal("tiny-brown", md["general.name"].Value);
        Assert.Equal(0u, md["general.file_type"].Value); // all F32, as stored
        Assert.Equal(2048u, md["llama.context_length"].Value);
        Assert.Equal((uint)c.HiddenSize, md["llama.embedding_length"].Value);
        Assert.Equal((uint)c.NumLayers, md["llama.block_count"].Value);
        Assert.Equal((uint)c.IntermediateSize, md["llama.feed_forward_length"].Value);
        Assert.Equal((uint)c.NumHeads, md["llama.attention.head_count"].Value);
        Assert.Equal((uint)c.NumKvHeads, md["llama.attention.head_count_kv"].Value);
        Assert.Equal((uint)c.HeadDim, md["llama.rope.dimension_count"].Value);
        Assert.Equal(10000f, md["llama.rope.freq_base"].Value);
        Assert.Equal(1e-5f, md["llama.attention.layer_norm_rms_epsilon"].Value);
        Assert.Equal(256u, md["llama.vocab_size"].Value);

        Assert.Equal("longrope", md["llama.rope.scaling.type"].Value);
        Assert.Equal(256u, md["llama.rope.scaling.original_context_length"].Value);
        Assert.Equal((float)longSet.AttentionFactor, md["llama.rope.scaling.attn_factor"].Value);
        Assert.DoesNotContain(md.Entries, e => e.Key.EndsWith("rope.scaling.factor", StringComparison.Ordinal));

        Assert.Equal(longSet.Lambda.Select(l => (float)l), f.ReadTensorFloats(f.Tensor(LlamaGgufLayout.RopeFactorsLong)));
        Assert.All(f.ReadTensorFloats(f.Tensor(LlamaGgufLayout.RopeFactorsShort)), v => Assert.Equal(1f, v));
        Assert.Contains(result.Warnings, w => w.Contains("no short factors", StringComparison.Ordinal) && w.Contains("attn_factor", StringComparison.Ordinal));

        // 1 embedding + 9 per layer + final norm + output + 2 factor tensors
        Assert.Equal(1 + 9 * c.NumLayers + 2 + 2, f.Tensors.Count);
        Assert.Equal(result.Tensors, f.Tensors.Count);
        Assert.Equal(new long[] { c.HiddenSize, c.VocabSize }, f.Tensor("token_embd.weight").Dims);
        Assert.Equal(new long[] { c.IntermediateSize, c.HiddenSize }, f.Tensor("blk.3.ffn_down.weight").Dims);
    }

    [Fact]
    public void A_model_without_factors_has_no_rope_scaling()
    {
        var path = _dir.File("plain.gguf");
        GgufExport.Write(TinyBrown.ModelDir, null, path);
        var f = GgufFile.Open(path);
        Assert.DoesNotContain(f.Metadata.Entries, e => e.Key.Contains("rope.scaling", StringComparison.Ordinal));
        Assert.DoesNotContain(f.Tensors, t => t.Name.StartsWith("rope_factors", StringComparison.Ordinal));
        Assert.Equal(256u, f.Metadata["llama.context_length"].Value);
    }

    /// <summary>
    /// The q/k row reordering makes llama.cpp's rotation of adjacent pairs (2i, 2i+1) compute the same attention scores
    /// as Hugging Face's rotate_half on the original rows, pair i at angle p·θ_i/λ_i with λ_i read from the GGUF's
    /// factor tensor. Checked on real weights, and checked to fail without the reordering.
    /// </summary>
    [Fact]
    public void Interleaved_rotation_of_exported_q_k_equals_rotate_half_of_the_checkpoint()
    {
        var path = _dir.File("m.gguf");
        var factors = Yarn8();
        GgufExport.Write(TinyBrown.ModelDir, Rope(factors), path);
        var f = GgufFile.Open(path);
        using var model = ModelFolder.Open(TinyBrown.ModelDir);
        var c = model.Config;
        int d = c.HeadDim, hidden = c.HiddenSize;
        var rng = new Random(7);
        var x = Enumerable.Range(0, hidden).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();
        var y = Enumerable.Range(0, hidden).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray();

        var qHf = MatVec(model.Weights.Layers[1].Q.ToFloatArray(), x, hidden);
        var kHf = MatVec(model.Weights.Layers[1].K.ToFloatArray(), y, hidden);
        var qG = MatVec(f.ReadTensorFloats(f.Tensor("blk.1.attn_q.weight")), x, hidden);
        var kG = MatVec(f.ReadTensorFloats(f.Tensor("blk.1.attn_k.weight")), y, hidden);
        var lambdaG = f.ReadTensorFloats(f.Tensor(LlamaGgufLayout.RopeFactorsLong)).Select(v => (double)v).ToArray();
        var theta = RopeFrequencies.InverseFrequencies(c.RopeTheta, d);

        double worstRel = 0, worstUnpermuted = 0;
        foreach (var (pq, pk) in new[] { (1500, 3), (2047, 2040), (700, 0) })
        {
            for (int h = 0; h < c.NumHeads; h++)
            {
                // Both sides use the factors as stored (float32): this checks the layout, the values are checked elsewhere.
                double hf = Dot(RotateHalf(qHf, h, d, pq, theta, lambdaG), RotateHalf(kHf, h, d, pk, theta, lambdaG));
                double gg = Dot(RotateAdjacent(qG, h, d, pq, theta, lambdaG), RotateAdjacent(kG, h, d, pk, theta, lambdaG));
                double wrong = Dot(RotateAdjacent(qHf, h, d, pq, theta, lambdaG), RotateAdjacent(kHf, h, d, pk, theta, lambdaG));
                worstRel = Math.Max(worstRel, Math.Abs(hf - gg) / Math.Abs(hf));
                worstUnpermuted = Math.Max(worstUnpermuted, Math.Abs(hf - wrong) / Math.Abs(hf));
            }
        }
        Assert.True(worstRel < 1e-9, $"scores differ by {worstRel:E2} relative");
        Assert.True(worstUnpermuted > 1e-2, "without the reordering the scores should differ");
    }

    private static double[] MatVec(float[] w, float[] x, int cols)
    {
        var r = new double[w.Length / cols]; // [rows]
        for (int i = 0; i < r.Length; i++)
        {
            double s = 0;
            for (int j = 0; j < cols; j++) s += (double)w[i * cols + j] * x[j];
            r[i] = s;
        }
        return r;
    }

    /// <summary>Hugging Face: dimension i pairs with i + d/2.</summary>
    private static double[] RotateHalf(double[] v, int head, int d, int p, double[] theta, double[] lambda)
    {
        var o = new double[d]; // [d] one head
        for (int i = 0; i < d / 2; i++)
        {
            double a = v[head * d + i], b = v[head * d + i + d / 2], ang = p * theta[i] / lambda[i];
            o[i] = a * Math.Cos(ang) - b * Math.Sin(ang);
            o[i + d / 2] = b * Math.Cos(ang) + a * Math.Sin(ang);
        }
        return o;
    }

    /// <summary>llama.cpp's LLAMA_ROPE_TYPE_NORM: dimension 2i pairs with 2i + 1, θ divided by freq factor i.</summary>
    private static double[] RotateAdjacent(double[] v, int head, int d, int p, double[] theta, double[] factors)
    {
        var o = new double[d]; // [d] one head
        for (int i = 0; i < d / 2; i++)
        {
            double a = v[head * d + 2 * i], b = v[head * d + 2 * i + 1], ang = p * theta[i] / factors[i];
            o[2 * i] = a * Math.Cos(ang) - b * Math.Sin(ang);
            o[2 * i + 1] = b * Math.Cos(ang) + a * Math.Sin(ang);
        }
        return o;
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (u, v) => u * v).Sum();

    [Fact]
    public void A_factor_set_with_n_hat_is_refused_before_anything_is_written()
    {
        var path = _dir.File("nhat.gguf");
        var e = Assert.Throws<InputException>(() => GgufExport.Write(TinyBrown.ModelDir, Rope(Yarn8().With(nHat: 12)), path));
        Assert.Equal("best/long-2048.json", e.Origin);
        Assert.Contains("n_hat", e.Field, StringComparison.Ordinal);
        Assert.Contains("llama.cpp", e.Message, StringComparison.Ordinal);
        var e2 = Assert.Throws<InputException>(() => GgufExport.Write(TinyBrown.ModelDir, Rope(Yarn8(), FactorSet.Identity(Pairs).With(nHat: 4)), path));
        Assert.Equal("short n_hat", e2.Field);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Wrong_factor_count_and_target_not_above_the_switch_point_are_refused()
    {
        var path = _dir.File("bad.gguf");
        var e = Assert.Throws<InputException>(() => GgufExport.Write(TinyBrown.ModelDir, Rope(FactorSet.Identity(16)), path));
        Assert.Equal("long factors", e.Field);
        var e2 = Assert.Throws<InputException>(() => GgufExport.Write(TinyBrown.ModelDir, Rope(Yarn8()) with { TargetLength = 256 }, path));
        Assert.Equal("target", e2.Field);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void Different_short_attention_factor_gives_a_warning_and_the_long_one_is_written()
    {
        var longSet = Yarn8();
        var shortSet = Baselines.Llama3(TinyBrown.Geometry(), 2); // attention factor 1
        var path = _dir.File("m.gguf");
        var r = GgufExport.Write(TinyBrown.ModelDir, Rope(longSet, shortSet), path);
        Assert.Contains(r.Warnings, w => w.Contains("one rope.scaling.attn_factor", StringComparison.Ordinal));
        var f = GgufFile.Open(path);
        Assert.Equal((float)longSet.AttentionFactor, f.Metadata["llama.rope.scaling.attn_factor"].Value);
        Assert.Equal(shortSet.Lambda.Select(l => (float)l), f.ReadTensorFloats(f.Tensor(LlamaGgufLayout.RopeFactorsShort)));
    }

    [Theory]
    [InlineData(GgufOutType.F16, GgufTensorType.F16, 1u)]
    [InlineData(GgufOutType.BF16, GgufTensorType.BF16, 32u)]
    public void Outtype_rounds_matrices_once_and_keeps_vectors_float32(GgufOutType outType, GgufTensorType expected, uint fileType)
    {
        var path = _dir.File("m.gguf");
        GgufExport.Write(TinyBrown.ModelDir, null, path, new GgufExportOptions { OutType = outType });
        var f = GgufFile.Open(path);
        Assert.Equal(fileType, f.Metadata["general.file_type"].Value);
        using var model = ModelFolder.Open(TinyBrown.ModelDir);
        var source = model.Weights.Layers[2].Down.ToFloatArray();
        var t = f.Tensor("blk.2.ffn_down.weight");
        Assert.Equal(expected, t.Type);
        var written = f.ReadTensorFloats(t);
        for (int i = 0; i < source.Length; i++) Assert.Equal(NearestEven(source[i], expected), written[i]);
        Assert.Equal(GgufTensorType.F32, f.Tensor("blk.2.ffn_norm.weight").Type);
        Assert.Equal(model.Weights.Layers[2].PostAttentionNorm.ToFloatArray(), f.ReadTensorFloats(f.Tensor("blk.2.ffn_norm.weight")));

        // And back: a BF16/F16 file exported again as F32 holds exactly the rounded values.
        var again = _dir.File("again.gguf");
        var narrowDir = TinyBrown.NarrowCopy(Path.Combine(_dir.PathName, "narrow"), outType == GgufOutType.F16 ? DType.F16 : DType.BF16);
        GgufExport.Write(narrowDir, null, again, new GgufExportOptions { OutType = GgufOutType.F32 });
        var g = GgufFile.Open(again);
        Assert.Equal(GgufTensorType.F32, g.Tensor("blk.2.ffn_down.weight").Type);
        Assert.Equal(written, g.ReadTensorFloats(g.Tensor("blk.2.ffn_down.weight")));
    }

    /// <summary>
    /// Round to nearest even written out on the bits (independently of the code under test): keep the top bits of the
    /// float32, look at the dropped ones.
    /// </summary>
    private static float NearestEven(float v, GgufTensorType type)
    {
        if (type == GgufTensorType.F16) return (float)(Half)(double)v; // double → Half rounds once, exactly like float → Half for these values
        uint bits = BitConverter.SingleToUInt32Bits(v);
        uint kept = bits & 0xFFFF0000u, dropped = bits & 0xFFFFu;
        if (dropped > 0x8000u || (dropped == 0x8000u && (kept & 0x10000u) != 0)) kept += 0x10000u;
        return BitConverter.UInt32BitsToSingle(kept);
    }

    [Fact]
    public void A_model_with_a_tokenizer_file_needs_a_tokenizer_donor()
    {
        var dir = Path.Combine(_dir.PathName, "with-tokenizer");
        Directory.CreateDirectory(dir);
        foreach (var name in new[] { "config.json", "model.safetensors" }) File.Copy(Path.Combine(TinyBrown.ModelDir, name), Path.Combine(dir, name));
        // A real tokenizer.json (the model folder now loads it when opened): not a byte vocabulary, so GGUF needs a donor.
        File.Copy(RepoPaths.Combine("tests", "fixtures", "models", "tiny-llama-mistral-tokenizer", "tokenizer.json"), Path.Combine(dir, "tokenizer.json"));
        var path = _dir.File("tok.gguf");
        var e = Assert.Throws<InputException>(() => GgufExport.Write(dir, null, path));
        Assert.EndsWith("tokenizer.json", e.Origin, StringComparison.Ordinal);
        Assert.False(File.Exists(path));

        var donor = _dir.File("donor.gguf");
        GgufExport.Write(TinyBrown.ModelDir, null, donor);
        GgufExport.Write(dir, null, path, new GgufExportOptions { TokenizerFrom = donor });
        var f = GgufFile.Open(path);
        Assert.Equal(ByteVocabulary.Tokens(), (string[])f.Metadata["tokenizer.ggml.tokens"].Value);
        Assert.Equal("gpt2", f.Metadata["tokenizer.ggml.model"].Value);
    }

    [Fact]
    public void A_model_with_its_own_rope_scaling_is_refused_without_factors_and_replaced_with_them()
    {
        var dir = Path.Combine(_dir.PathName, "llama3-scaled");
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(TinyBrown.ModelDir, "model.safetensors"), Path.Combine(dir, "model.safetensors"));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(TinyBrown.ModelDir, "config.json")))!.AsObject();
        config["rope_scaling"] = new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 256,
        };
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        var path = _dir.File("s.gguf");
        var e = Assert.Throws<InputException>(() => GgufExport.Write(dir, null, path));
        Assert.Equal("rope_scaling", e.Field);
        Assert.Contains("rope_type \"llama3\"", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(path));

        // With LongRoPE factors the export goes ahead: the factors replace the model's own scaling, and it says so.
        var factors = Yarn8();
        var r = GgufExport.Write(dir, Rope(factors), path);
        Assert.Contains(r.Warnings, w => w.Contains("rope_scaling (rope_type \"llama3\") is replaced by the LongRoPE factors", StringComparison.Ordinal));
        var f = GgufFile.Open(path);
        Assert.Equal("longrope", f.Metadata["llama.rope.scaling.type"].Value);
        Assert.Equal(factors.Lambda.Select(l => (float)l), f.ReadTensorFloats(f.Tensor(LlamaGgufLayout.RopeFactorsLong)));
    }

    [Fact]
    public void A_partial_rotary_model_is_refused_naming_partial_rotary_factor()
    {
        var fixture = RepoPaths.Combine("tests", "fixtures", "models", "phi3-partial");
        var e = Assert.Throws<InputException>(() => GgufExport.Write(fixture, null, _dir.File("p.gguf")));
        Assert.Equal("partial_rotary_factor", e.Field);
        Assert.Contains("rotary dim of 8", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("p.gguf")));
    }

    [Fact]
    public void The_byte_vocabulary_is_gpt2_bytes_to_unicode()
    {
        var tokens = ByteVocabulary.Tokens();
        Assert.Equal(256, tokens.Length);
        Assert.Equal(256, tokens.Distinct().Count());
        Assert.Equal("A", tokens['A']);
        Assert.Equal("\u0120", tokens[' ']);  // GPT-2's "Ġ"
        Assert.Equal("\u010A", tokens['\n']); // "Ċ"
        Assert.Equal("\u0100", tokens[0]);
        Assert.Equal("\u00FF", tokens[0xFF]);
        Assert.Equal("\u0143", tokens[0xAD]); // the last non-printable byte: 0..32 (33), 127..160 (34), 173 → 68th
    }
}
