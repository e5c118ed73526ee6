using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// The fast forward pass against the reference forward pass on small random models (both are held to float64 PyTorch
/// by FixtureNllTests), and its determinism: runs, thread counts, chunk sizes, the layer-0 cache.
/// </summary>
public sealed class FastForwardTests
{
    // Float32 sums in the fast pass vs the reference's float64 ones: 1e-4 relative, the fixtures' tolerance.
    private const double RelativeTolerance = 1e-4;

    internal static double[] RunFast(LlamaWeights w, int[] tokens, FactorSet factors, int threads = 2, SimdLevel? level = null,
        int chunkRows = FastForward.DefaultChunkRows, long cacheBytes = 0)
    {
        using var fast = new FastForward(w, new ForwardPassOptions { Threads = threads, Layer0CacheBytes = cacheBytes }, level ?? SimdLevels.Best, chunkRows);
        return Run(fast, w, tokens, factors);
    }

    internal static double[] Run(IForwardPass forward, LlamaWeights w, int[] tokens, FactorSet factors)
    {
        var rope = RopeTable.Build(factors, w.Config.RopeTheta, w.Config.RotaryDim, tokens.Length);
        var nll = new double[tokens.Length - 1];
        forward.TokenNll(tokens, rope, nll);
        return nll;
    }

    internal static double[] RunReference(LlamaWeights w, int[] tokens, FactorSet factors) =>
        Run(new ReferenceForward(w, new ForwardPassOptions { Kind = ForwardPassKind.Reference, Threads = 2 }), w, tokens, factors);

    internal static void AssertRelativeClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tolerance * Math.Abs(expected[i]) + 1e-7,
                $"{what}: token {i} expected {expected[i]:R}, got {actual[i]:R}");
    }

    internal static bool SameBits(double[] a, double[] b) =>
        a.Length == b.Length && a.Zip(b).All(p => BitConverter.DoubleToInt64Bits(p.First) == BitConverter.DoubleToInt64Bits(p.Second));

    [Theory]
    [MemberData(nameof(KernelTestData.LevelsAndTypes), MemberType = typeof(KernelTestData))]
    public void Matches_reference_forward_with_gqa_and_scaled_factors(SimdLevel level, DType dtype)
    {
        // head_dim 16 runs the vector attention path; 3 query heads per kv head; chunks of 24 rows split the sequence.
        var spec = new TinySpec { Hidden = 32, Heads = 6, KvHeads = 2, HeadDim = 16, Intermediate = 40, Vocab = 23, Seed = 3 };
        var m = RawModel.Random(spec);
        var w = m.ToWeights(dtype);
        var tokens = RawModel.Tokens(spec.Vocab, 150, seed: 9);
        var factors = new FactorSet([1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0], nHat: 20, attentionFactor: 1.1);
        var expected = RunReference(w, tokens, factors);
        AssertRelativeClose(expected, RunFast(w, tokens, factors, level: level, chunkRows: 24), RelativeTolerance, $"{level} {dtype}");
    }

    [Theory]
    [MemberData(nameof(KernelTestData.Levels), MemberType = typeof(KernelTestData))]
    public void Matches_reference_with_biases_tied_embeddings_and_scalar_head_dim(SimdLevel level)
    {
        // head_dim 8 takes the scalar attention path; biases on q/k/v and o; tied lm head.
        var spec = new TinySpec { QkvBias = true, OutputBias = true, Tied = true, Seed = 21 };
        var w = RawModel.Random(spec).ToWeights();
        var tokens = RawModel.Tokens(spec.Vocab, 70, seed: 4);
        var factors = new FactorSet([1.0, 2.5, 6.0, 17.0], 5, 1.2);
        AssertRelativeClose(RunReference(w, tokens, factors), RunFast(w, tokens, factors, level: level, chunkRows: 30), RelativeTolerance, $"bias/tied {level}");
    }

    [Theory]
    [MemberData(nameof(KernelTestData.Levels), MemberType = typeof(KernelTestData))]
    public void Matches_reference_with_a_per_layer_window_and_partial_rotary(SimdLevel level)
    {
        // Layers 0 and 2 attend through a 23-key window, layer 1 globally (qwen2's per-layer rule); 12 of 16 dims rotate.
        var spec = new TinySpec
        {
            Hidden = 32, Heads = 4, KvHeads = 2, HeadDim = 16, Intermediate = 40, Vocab = 23, Layers = 3, Seed = 13,
            SlidingWindow = 23, WindowedLayers = [true, false, true], RotaryDim = 12,
        };
        var w = RawModel.Random(spec).ToWeights();
        var tokens = RawModel.Tokens(spec.Vocab, 170, seed: 5);
        var factors = new FactorSet([1.0, 2.0, 3.5, 5.0, 8.0, 13.0], nHat: 7, attentionFactor: 1.15);
        var expected = RunReference(w, tokens, factors);
        AssertRelativeClose(expected, RunFast(w, tokens, factors, level: level, chunkRows: 42), RelativeTolerance, $"window/partial {level}");
        var global = RawModel.Random(spec with { SlidingWindow = null }).ToWeights();
        Assert.False(SameBits(expected, RunReference(global, tokens, factors)), "the window must matter");
    }

    [Fact]
    public void Long_sequence_of_300_tokens_matches_reference()
    {
        var spec = new TinySpec { Hidden = 64, Heads = 4, KvHeads = 4, HeadDim = 16, Intermediate = 96, Vocab = 40, Layers = 2, Seed = 8 };
        var w = RawModel.Random(spec).ToWeights(DType.BF16);
        var tokens = RawModel.Tokens(spec.Vocab, 300, seed: 2);
        var factors = FactorSet.Identity(8);
        AssertRelativeClose(RunReference(w, tokens, factors), RunFast(w, tokens, factors, chunkRows: 96), RelativeTolerance, "L=300");
    }

    [Fact]
    public void Same_bits_across_runs_thread_counts_and_chunk_sizes()
    {
        var spec = new TinySpec { Hidden = 32, Heads = 4, KvHeads = 2, HeadDim = 16, Intermediate = 48, Vocab = 30, Seed = 5 };
        var w = RawModel.Random(spec).ToWeights(DType.F16);
        var tokens = RawModel.Tokens(spec.Vocab, 140, seed: 1);
        var factors = new FactorSet([1.0, 1.0, 2.0, 2.0, 4.0, 4.0, 8.0, 8.0]);
        var first = RunFast(w, tokens, factors, threads: 2);
        Assert.True(SameBits(first, RunFast(w, tokens, factors, threads: 2)), "two runs");
        Assert.True(SameBits(first, RunFast(w, tokens, factors, threads: 1)), "1 vs 2 threads");
        Assert.True(SameBits(first, RunFast(w, tokens, factors, threads: 3, chunkRows: 18)), "3 threads, chunks of 18");
    }

    [Fact]
    public void Layer0_cache_serves_repeats_with_identical_bits()
    {
        var spec = new TinySpec { Hidden = 32, Heads = 4, KvHeads = 2, HeadDim = 16, Intermediate = 48, Vocab = 30, Seed = 6 };
        var w = RawModel.Random(spec).ToWeights(DType.BF16);
        var a = RawModel.Tokens(spec.Vocab, 90, seed: 1);
        var b = RawModel.Tokens(spec.Vocab, 90, seed: 2);
        var f1 = FactorSet.Identity(8);
        var f2 = new FactorSet([1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0], 10, 1.1);
        using var cached = new FastForward(w, new ForwardPassOptions { Threads = 2, Layer0CacheBytes = 1 << 20 });
        var a1 = Run(cached, w, a, f1);
        var a2 = Run(cached, w, a, f2);   // hit: same tokens, other factors
        var b1 = Run(cached, w, b, f1);   // miss: other tokens
        var a2Again = Run(cached, w, a, f2);
        Assert.Equal(2, cached.Layer0CacheHits);
        Assert.Equal(2, cached.Layer0CacheMisses);
        Assert.True(SameBits(a1, RunFast(w, a, f1)), "a, f1 vs uncached");
        Assert.True(SameBits(a2, RunFast(w, a, f2)), "a, f2 (cache hit) vs uncached");
        Assert.True(SameBits(b1, RunFast(w, b, f1)), "b vs uncached");
        Assert.True(SameBits(a2, a2Again), "repeat");
        Assert.False(SameBits(a1, a2), "factors must matter");
    }

    [Fact]
    public void Cache_stays_within_budget_and_evicts_least_recent()
    {
        var spec = new TinySpec { Hidden = 16, Heads = 2, KvHeads = 1, HeadDim = 8, Vocab = 19, Seed = 2 };
        var w = RawModel.Random(spec).ToWeights();
        int length = 50, width = spec.Heads * spec.HeadDim + 2 * spec.KvHeads * spec.HeadDim;
        long entry = (long)length * width * sizeof(float);
        using var forward = new FastForward(w, new ForwardPassOptions { Threads = 1, Layer0CacheBytes = 2 * entry + 1000 });
        var f = FactorSet.Identity(4);
        var seqs = Enumerable.Range(0, 3).Select(s => RawModel.Tokens(spec.Vocab, length, seed: s)).ToArray();
        foreach (var s in seqs) Run(forward, w, s, f);          // 3 misses; the first is evicted
        Assert.True(forward.Layer0CacheBytes <= 2 * entry + 1000);
        Run(forward, w, seqs[2], f);                          // hit
        Run(forward, w, seqs[0], f);                          // miss (evicted)
        Assert.Equal(1, forward.Layer0CacheHits);
        Assert.Equal(4, forward.Layer0CacheMisses);
    }

    [Fact]
    public void Refuses_bad_tokens_like_the_reference()
    {
        var spec = new TinySpec();
        var w = RawModel.Random(spec).ToWeights();
        using var forward = new FastForward(w, new ForwardPassOptions { Threads = 1 });
        var rope = RopeTable.Build(FactorSet.Identity(4), spec.RopeTheta, spec.HeadDim, 10);
        var nll = new double[9];
        Assert.Throws<LongRopeSearch.Core.InputException>(() => forward.TokenNll([1, 2, 3, 99, 4, 5, 6, 7, 8, 9], rope, nll));
        Assert.Throws<LongRopeSearch.Core.InputException>(() => forward.TokenNll([1], rope, nll));
    }
}
