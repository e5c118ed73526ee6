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

    private void Compare(string what, string gguf, int[] tokens, FactorSet engineFactors, uint? contextSize = null)
    {
        var ours = TinyBrown.EngineNll(tokens, engineFactors);
        var theirs = LlamaCpp.TokenNll(gguf, tokens, contextSize);
        double oursMean = ours.Sum() / ours.Length;
        double rel = Math.Abs(theirs.MeanNll - oursMean) / oursMean;
        double maxToken = ours.Zip(theirs.Nll, (a, b) => Math.Abs(a - b)).Max();
        output.WriteLine($"{what}: L={tokens.Length} n_ctx={theirs.ContextSize} engine {oursMean:R} llama.cpp {theirs.MeanNll:R} rel diff {rel:E2} max per-token |Δ| {maxToken:E2}");
        Assert.Equal(256, theirs.VocabSize);
        Assert.True(rel <= Tolerance, $"{what}: llama.cpp mean NLL {theirs.MeanNll:R} vs engine {oursMean:R}: relative difference {rel:E3} > {Tolerance:E0}");
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
}
