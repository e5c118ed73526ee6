using LongRopeSearch.Rope;
using LongRopeSearch.Store.Gguf;
using LongRopeSearch.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Gguf.Tests;

/// <summary>
/// The proof that a user's llama.cpp reproduces what the search measured: the exported GGUF is loaded by llama.cpp
/// itself (LLamaSharp), which computes logits for every position of a validation sequence; the mean NLL from those
/// logits must equal our engine's NLL for the same tokens and factors within 1e-4 relative.
/// One GGUF carries long factors (YaRN at 8x, attention factor 0.1·ln 8 + 1) and short factors (Llama 3 at 2x with the
/// same attention factor, as the search scores short factors); llama.cpp picks between them by its context size.
/// </summary>
public sealed class LlamaCppNllTests(ITestOutputHelper output, LlamaCppNllTests.Files files) : IClassFixture<LlamaCppNllTests.Files>
{
    private const double Tolerance = 1e-4;
    private const int Target = 8 * TinyBrown.L0;

    /// <summary>The exported files, written once for the class.</summary>
    public sealed class Files : IDisposable
    {
        private readonly TempDir _dir = new();

        public Files()
        {
            var g = TinyBrown.Geometry();
            Long = Baselines.Yarn(g, 8);
            Short = Baselines.Llama3(g, 2).With(attentionFactor: Long.AttentionFactor);
            Plain = _dir.File("plain.gguf");
            Scaled = _dir.File("yarn-8x.gguf");
            GgufExport.Write(TinyBrown.ModelDir, null, Plain, new GgufExportOptions { OutType = GgufOutType.F32 });
            GgufExport.Write(TinyBrown.ModelDir, new GgufLongRope { Long = Long, Short = Short, OriginalLength = TinyBrown.L0, TargetLength = Target },
                Scaled, new GgufExportOptions { OutType = GgufOutType.F32 });
        }

        public FactorSet Long { get; }
        public FactorSet Short { get; }
        public string Plain { get; }
        public string Scaled { get; }

        public string File(string name) => _dir.File(name);

        public void Dispose() => _dir.Dispose();
    }

    private readonly Files _files = files;

    private void Compare(string what, string gguf, int[] tokens, FactorSet engineFactors, uint? contextSize = null) =>
        Assert.True(RelativeDifference(what, gguf, tokens, engineFactors, contextSize) <= Tolerance, $"{what}: relative difference above {Tolerance:E0}");

    private double RelativeDifference(string what, string gguf, int[] tokens, FactorSet engineFactors, uint? contextSize = null)
    {
        var ours = TinyBrown.EngineNll(tokens, engineFactors);
        var theirs = LlamaCpp.TokenNll(gguf, tokens, contextSize);
        double oursMean = ours.Sum() / ours.Length;
        double rel = Math.Abs(theirs.MeanNll - oursMean) / oursMean;
        double maxToken = ours.Zip(theirs.Nll, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{what}: L={tokens.Length} n_ctx={theirs.ContextSize} engine {oursMean:R} llama.cpp {theirs.MeanNll:R} rel diff {rel:E2} max per-token |Δ| {maxToken:E2}");
        Assert.Equal(256, theirs.VocabSize);
        return rel;
    }

    [Fact]
    public void No_scaling_at_L0_matches_the_engine()
    {
        var tokens = TinyBrown.Tokens(TinyBrown.L0);
        Compare("plain", _files.Plain, tokens, FactorSet.Identity(32));
    }

    [Fact]
    public void Long_factors_at_8x_match_the_engine()
    {
        var tokens = TinyBrown.Tokens(Target);
        Compare("yarn 8x long", _files.Scaled, tokens, _files.Long);
    }

    [Fact]
    public void Short_factors_below_the_original_length_match_the_engine()
    {
        var tokens = TinyBrown.Tokens(TinyBrown.L0);
        Compare("llama3 2x short", _files.Scaled, tokens, _files.Short, contextSize: TinyBrown.L0);
    }

    [Fact]
    public void Searched_lambda_at_8x_with_n_hat_dropped_matches_the_engine()
    {
        // The shipped search result has n̂ = 12, which llama.cpp cannot run: its λ and attention factor with n̂ = 0 are
        // a deployable set with an irregular λ vector (plateaus and jumps, unlike the smooth classic methods).
        var best = FactorFile.Load(RepoPaths.Combine("docs", "results", "tiny-brown", "best", "long-2048.json"), 32).With(nHat: 0);
        var gguf = _files.File("searched-8x.gguf");
        GgufExport.Write(TinyBrown.ModelDir, new GgufLongRope { Long = best, OriginalLength = TinyBrown.L0, TargetLength = Target }, gguf,
            new GgufExportOptions { OutType = GgufOutType.F32 });
        Compare("searched λ 8x (n̂ 0)", gguf, TinyBrown.Tokens(Target), best);
    }

    /// <summary>
    /// The comparison can fail: the engine run with what llama.cpp must NOT be doing is outside the tolerance by more than ten times —
    /// the long factors at a 256-token context (llama.cpp switches to the short ones there), and the long factors
    /// without their attention factor at 2048 (llama.cpp applies rope.scaling.attn_factor).
    /// </summary>
    [Fact]
    public void Wrong_factors_are_detected()
    {
        var shortTokens = TinyBrown.Tokens(TinyBrown.L0);
        Assert.True(RelativeDifference("long factors at n_ctx 256 (must differ)", _files.Scaled, shortTokens, _files.Long, TinyBrown.L0) > 10 * Tolerance);
        var longTokens = TinyBrown.Tokens(Target);
        Assert.True(RelativeDifference("long factors without attention factor (must differ)", _files.Scaled, longTokens, _files.Long.With(attentionFactor: 1.0)) > 10 * Tolerance);
    }

    /// <summary>
    /// F16 and BF16 files load and run: llama.cpp rounds the activations to the weights' type before each matrix
    /// product (ggml's vec_dot_type), which our engine does not. F16 keeps 11 significant bits and stays within 1e-4
    /// (measured 1.8e-6); BF16 keeps 8, so its tolerance is 5e-4 (measured 6.3e-5). The engine runs the same rounded
    /// weights (a copy of the model stored in that type).
    /// </summary>
    [Theory]
    [InlineData(GgufOutType.F16, 1e-4)]
    [InlineData(GgufOutType.BF16, 5e-4)]
    public void Half_precision_files_run_within_the_activation_rounding(GgufOutType outType, double tolerance)
    {
        var gguf = _files.File($"yarn-8x-{outType}.gguf");
        var rope = new GgufLongRope { Long = _files.Long, Short = _files.Short, OriginalLength = TinyBrown.L0, TargetLength = Target };
        GgufExport.Write(TinyBrown.ModelDir, rope, gguf, new GgufExportOptions { OutType = outType });
        var tokens = TinyBrown.Tokens(Target);
        var ours = TinyBrown.EngineNll(tokens, _files.Long, TinyBrown.NarrowCopy(_files.File($"model-{outType}"), outType == GgufOutType.F16 ? Model.DType.F16 : Model.DType.BF16));
        var theirs = LlamaCpp.TokenNll(gguf, tokens);
        double oursMean = ours.Sum() / ours.Length;
        double rel = Math.Abs(theirs.MeanNll - oursMean) / oursMean;
        output.WriteLine($"{outType} yarn 8x: engine {oursMean:R} llama.cpp {theirs.MeanNll:R} rel diff {rel:E2}");
        Assert.True(rel <= tolerance, $"{outType}: relative difference {rel:E3} > {tolerance:E0}");
    }

    /// <summary>llama.cpp's tokenizer of the exported byte vocabulary: token id b is byte b, both ways.</summary>
    [Fact]
    public void Byte_vocabulary_tokenizes_text_to_its_bytes()
    {
        var text = File.ReadAllText(Path.Combine(RepoPaths.ValidationData, "doc000.txt"))[..2000] + " \t\n tabs, ünïcödé € 😀";
        var expected = System.Text.Encoding.UTF8.GetBytes(text).Select(b => (int)b).ToArray();
        var (type, count, bos, ids, pieces) = LlamaCpp.WithVocabulary(_files.Plain, w =>
        {
            var ids = w.Tokenize(text, false, false, System.Text.Encoding.UTF8).Select(t => (int)t).ToArray();
            var pieces = new byte[256][];
            for (int b = 0; b < 256; b++)
            {
                var buf = new byte[16];
                int n = (int)w.NativeHandle.TokenToSpan(b, buf);
                pieces[b] = buf[..n];
            }
            return (w.Vocab.Type, w.Vocab.Count, w.Vocab.ShouldAddBOS, ids, pieces);
        });
        Assert.Equal(LLama.Native.LLamaVocabType.BytePairEncoding, type);
        Assert.Equal(256, count);
        Assert.False(bos);
        Assert.Equal(expected, ids);
        for (int b = 0; b < 256; b++) Assert.Equal(new[] { (byte)b }, pieces[b]);
    }
}
