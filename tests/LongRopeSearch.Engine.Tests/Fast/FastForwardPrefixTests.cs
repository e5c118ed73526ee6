using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// Prefix evaluation on the fast forward pass: a sample evaluated in segments gives the whole-sequence pass's NLL bits
/// for every position, whatever the segment boundaries, on fixture models and at every SIMD level; a stopped
/// evaluation has paid only for its prefix (work counters, not wall time); the layer-0 cache keeps working across
/// segments; memory is what the plan says.
/// </summary>
public sealed class FastForwardPrefixTests
{
    /// <summary>Rows per chunk in these tests: small, so segments and chunks cut each other everywhere (segments of 4 chunks = 96 rows).</summary>
    private const int Chunk = 24;

    /// <summary>
    /// Segment ends for a sample of <paramref name="length"/> tokens (positions = length − 1): one segment; two; uneven
    /// ends that are multiples of neither 16 nor the chunk, ends inside a chunk (7, 31, 50 …), one-position steps, and
    /// an advance longer than a segment (96 rows) that the pass splits itself.
    /// </summary>
    internal static IEnumerable<(string Name, int[] Ends)> Segmentations(int length)
    {
        int n = length - 1;
        yield return ("one segment", [n]);
        yield return ("two halves", [n / 2, n]);
        yield return ("uneven", Ends(n, 7, 31, 50, 51, 130, 161));
        yield return ("single steps then the rest", Ends(n, 1, 2, 3, 4, 5, 29));
        yield return ("thirds off the grid", Ends(n, n / 3 + 1, 2 * n / 3 - 1));
    }

    private static int[] Ends(int n, params int[] inner) => inner.Where(e => e < n).Append(n).ToArray();

    /// <summary>(model, length): GQA, biases, tied embeddings with a ragged vocab, BF16 weights, the shipped checkpoint, sliding windows (all layers, some layers) and partial rotary; lengths off the 16-lane grid, across 128-key tiles.</summary>
    public static TheoryData<SimdLevel, string, int> FixtureCases()
    {
        var data = new TheoryData<SimdLevel, string, int>();
        var models = new (string Model, int Length)[]
        {
            ("tests/fixtures/models/gqa", 203),
            ("tests/fixtures/models/qwen2", 150),
            ("tests/fixtures/models/llama-attn-bias", 61),
            ("tests/fixtures/models/tied-vocab300", 133),
            ("tests/fixtures/models/bf16", 177),
            ("models/tiny-brown", 270),
            ("tests/fixtures/models/mistral-window", 300),       // sliding window of 6 keys, rows across key tiles
            ("tests/fixtures/models/qwen2-window-layers", 211),  // a window on some layers only
            ("tests/fixtures/models/phi3-partial", 250),         // fused weights, partial rotary, window 100
        };
        foreach (var level in KernelTestData.AllLevels)
            foreach (var (model, length) in models)
                data.Add(level, model, length);
        return data;
    }

    [Theory]
    [MemberData(nameof(FixtureCases))]
    public void Segmented_evaluation_gives_the_whole_pass_bits_on_fixture_models(SimdLevel level, string model, int length)
    {
        using var folder = ModelFolder.Open(RepoPaths.Combine(model.Split('/')));
        var c = folder.Config;
        var tokens = RawModel.Tokens(c.VocabSize, length, seed: length);
        var factors = new FactorSet(Enumerable.Range(0, c.RotaryPairs).Select(i => 1.0 + 0.7 * i).ToArray(), nHat: 5, attentionFactor: 1.2);
        AssertSegmentationsMatchWholePass(folder.Weights, tokens, factors, level, $"{model} {level}");
    }

    [Theory]
    [MemberData(nameof(KernelTestData.Levels), MemberType = typeof(KernelTestData))]
    public void Segmented_evaluation_gives_the_whole_pass_bits_on_ragged_random_models(SimdLevel level)
    {
        // GQA 3:1 (attention blocks of 20 rows), head_dim 8 (the scalar attention path), biases everywhere, tied, F16.
        var spec = new TinySpec { Hidden = 40, Heads = 3, KvHeads = 1, HeadDim = 8, Intermediate = 52, Vocab = 23, QkvBias = true, OutputBias = true, Tied = true, Seed = 17 };
        var w = RawModel.Random(spec).ToWeights(DType.F16);
        var factors = new FactorSet([1.0, 3.0, 7.0, 20.0], nHat: 3, attentionFactor: 1.1);
        AssertSegmentationsMatchWholePass(w, RawModel.Tokens(spec.Vocab, 260, seed: 5), factors, level, $"random d8 {level}");
    }

    private static void AssertSegmentationsMatchWholePass(LlamaWeights w, int[] tokens, FactorSet factors, SimdLevel level, string what)
    {
        var whole = FastForwardTests.RunFast(w, tokens, factors, level: level, chunkRows: Chunk);
        Assert.All(whole, v => Assert.True(double.IsFinite(v) && v > 0));
        using var fast = new FastForward(w, new ForwardPassOptions { Threads = 2, Layer0CacheBytes = 0 }, level, Chunk);
        foreach (var (name, ends) in Segmentations(tokens.Length))
        {
            var segmented = RunSegmented(fast, w, tokens, factors, ends);
            int first = FirstDifference(whole, segmented);
            Assert.True(first < 0, $"{what}, {name} ({string.Join(",", ends)}): position {first} differs: {(first < 0 ? 0 : segmented[first]):R} vs whole {(first < 0 ? 0 : whole[first]):R}");
        }
    }

    /// <summary>Advances to each end in turn; checks that each step wrote exactly its positions.</summary>
    internal static double[] RunSegmented(IPrefixForwardPass forward, LlamaWeights w, int[] tokens, FactorSet factors, int[] ends)
    {
        var rope = RopeTable.Build(factors, w.Config.RopeTheta, w.Config.RotaryDim, tokens.Length);
        var nll = new double[tokens.Length - 1];
        Array.Fill(nll, double.NaN);
        using var evaluation = forward.BeginSample(tokens, rope);
        Assert.Equal(tokens.Length - 1, evaluation.Positions);
        foreach (var end in ends)
        {
            int from = evaluation.Position;
            evaluation.Advance(end, nll);
            Assert.Equal(end, evaluation.Position);
            Assert.All(nll[from..end], v => Assert.False(double.IsNaN(v)));
            Assert.All(nll[end..], v => Assert.True(double.IsNaN(v)));
        }
        return nll;
    }

    internal static int FirstDifference(double[] a, double[] b) =>
        Enumerable.Range(0, a.Length).FirstOrDefault(t => BitConverter.DoubleToInt64Bits(a[t]) != BitConverter.DoubleToInt64Bits(b[t]), -1);

    private static (LlamaWeights W, int[] Tokens, FactorSet Factors) Small(int length = 150)
    {
        var spec = new TinySpec { Hidden = 32, Heads = 4, KvHeads = 2, HeadDim = 16, Intermediate = 48, Vocab = 30, Layers = 3, Seed = 11 };
        return (RawModel.Random(spec).ToWeights(DType.BF16), RawModel.Tokens(spec.Vocab, length, seed: 4), new FactorSet([1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0], 4, 1.15));
    }

    [Fact]
    public void Stopping_after_a_prefix_costs_only_the_prefix()
    {
        var (w, tokens, factors) = Small();
        int layers = w.Config.NumLayers, length = tokens.Length, prefix = 41;
        using var fast = new FastForward(w, new ForwardPassOptions { Threads = 2, Layer0CacheBytes = 0 }, SimdLevels.Best, Chunk);
        var rope = RopeTable.Build(factors, w.Config.RopeTheta, w.Config.RotaryDim, length);
        var nll = new double[length - 1];

        fast.TokenNll(tokens, rope, nll);
        var whole = Snapshot(fast);
        Assert.Equal(((long)layers * length, (long)layers * length, layers * ForwardCost.CausalPairs(0, length), (long)length - 1), whole);

        fast.Work.Reset();
        using (var evaluation = fast.BeginSample(tokens, rope))
        {
            evaluation.Advance(17, nll);
            evaluation.Advance(prefix, nll);
        }
        // Rows [0, 41) through every layer, their causal pairs, 41 logit rows: nothing past the prefix.
        Assert.Equal(((long)layers * prefix, (long)layers * prefix, layers * ForwardCost.CausalPairs(0, prefix), (long)prefix), Snapshot(fast));
        Assert.True(layers * ForwardCost.CausalPairs(0, prefix) * 10 < whole.Pairs, "a prefix of 41/150 costs under a tenth of the attention");

        fast.Work.Reset();
        using (var evaluation = fast.BeginSample(tokens, rope))
        {
            evaluation.Advance(prefix, nll);
            evaluation.Advance(length - 1, nll);
        }
        // A completed evaluation: the whole pass's work less its last row, which predicts nothing.
        Assert.Equal(((long)layers * (length - 1), (long)layers * (length - 1), layers * ForwardCost.CausalPairs(0, length - 1), (long)length - 1), Snapshot(fast));
    }

    private static (long Rows, long Qkv, long Pairs, long Logits) Snapshot(FastForward f) =>
        (f.Work.LayerRows, f.Work.QkvGemmRows, f.Work.AttentionPairs, f.Work.LogitRows);

    [Fact]
    public void Layer0_cache_keeps_a_stopped_prefix_and_serves_the_next_evaluation_with_identical_bits()
    {
        var (w, tokens, factors) = Small();
        var other = new FactorSet([1.0, 2.0, 2.0, 4.0, 4.0, 8.0, 8.0, 16.0], 0, 1.0);
        int layers = w.Config.NumLayers, length = tokens.Length;
        using var fast = new FastForward(w, new ForwardPassOptions { Threads = 2, Layer0CacheBytes = 1 << 20 }, SimdLevels.Best, Chunk);

        // 1. Stopped at 60: layer-0 rows [0, 60) are computed and cached.
        var first = RunSegmented(fast, w, tokens, factors, [25, 60]);
        Assert.Equal(layers * 60L, fast.Work.QkvGemmRows);
        Assert.Equal(0, fast.Layer0CacheHits);

        // 2. Another candidate runs the whole sample in segments: layer 0 reads [0, 60) and computes [60, L − 1).
        fast.Work.Reset();
        var second = RunSegmented(fast, w, tokens, other, [33, 90, length - 1]);
        Assert.Equal(layers * (length - 1L) - 60, fast.Work.QkvGemmRows);
        Assert.Equal(1, fast.Layer0CacheHits);
        Assert.Equal(-1, FirstDifference(FastForwardTests.RunFast(w, tokens, other, chunkRows: Chunk), second));
        Assert.Equal(-1, FirstDifference(FastForwardTests.RunFast(w, tokens, factors, chunkRows: Chunk)[..60], first[..60]));

        // 3. Now complete: nothing of layer 0 is computed.
        fast.Work.Reset();
        RunSegmented(fast, w, tokens, factors, [length - 1]);
        Assert.Equal((layers - 1) * (length - 1L), fast.Work.QkvGemmRows);

        // 4. A whole pass finds the rows a stopped prefix evaluation left: rows [0, 60) of layer 0 are read.
        using var again = new FastForward(w, new ForwardPassOptions { Threads = 2, Layer0CacheBytes = 1 << 20 }, SimdLevels.Best, Chunk);
        RunSegmented(again, w, tokens, factors, [60]);
        again.Work.Reset();
        Assert.Equal(-1, FirstDifference(FastForwardTests.RunFast(w, tokens, factors, chunkRows: Chunk), FastForwardTests.Run(again, w, tokens, factors)));
        // It runs through the prefix slots (rows [0, L − 1)) and computes layer 0 only past row 60.
        Assert.Equal((layers - 1) * (length - 1L) + (length - 1 - 60), again.Work.QkvGemmRows);
    }

    [Fact]
    public void A_forward_pass_holds_one_modes_memory_after_both_modes_ran()
    {
        var (w, tokens, factors) = Small(300);
        int length = tokens.Length;
        long slack = 64L * (7 + 2 * w.Config.NumLayers);
        var expected = FastForwardTests.RunFast(w, tokens, factors, chunkRows: Chunk);
        using var fast = new FastForward(w, new ForwardPassOptions { Threads = 2, Layer0CacheBytes = 0 }, SimdLevels.Best, Chunk);
        FastForwardTests.Run(fast, w, tokens, factors);                 // whole: [L, …] rows and one slot
        Assert.True(fast.WorkspaceBytes <= fast.WholePassBytes(length) + slack);
        RunSegmented(fast, w, tokens, factors, [100, length - 1]);      // prefix: the rows go back, a slot per layer
        Assert.InRange(fast.WorkspaceBytes, fast.PrefixEvaluationBytes(length), fast.PrefixEvaluationBytes(length) + slack);
        fast.Work.Reset();
        var whole = FastForwardTests.Run(fast, w, tokens, factors);     // whole again: through the slots, nothing new
        Assert.InRange(fast.WorkspaceBytes, fast.PrefixEvaluationBytes(length), fast.PrefixEvaluationBytes(length) + slack);
        Assert.Equal(-1, FirstDifference(expected, whole));
        Assert.Equal(w.Config.NumLayers * (length - 1L), fast.Work.LayerRows);
        var shorter = tokens[..200];
        Assert.Equal(-1, FirstDifference(FastForwardTests.RunFast(w, shorter, factors, chunkRows: Chunk), FastForwardTests.Run(fast, w, shorter, factors)));
    }

    [Fact]
    public void One_evaluation_at_a_time_and_advances_only_forward()
    {
        var (w, tokens, factors) = Small(40);
        using var fast = new FastForward(w, new ForwardPassOptions { Threads = 1 }, SimdLevels.Best, Chunk);
        var rope = RopeTable.Build(factors, w.Config.RopeTheta, w.Config.RotaryDim, tokens.Length);
        var nll = new double[tokens.Length - 1];
        var evaluation = fast.BeginSample(tokens, rope);
        Assert.Throws<InvalidOperationException>(() => fast.TokenNll(tokens, rope, nll));
        Assert.Throws<InvalidOperationException>(() => fast.BeginSample(tokens, rope));
        evaluation.Advance(10, nll);
        Assert.Throws<ArgumentOutOfRangeException>(() => evaluation.Advance(10, nll));
        Assert.Throws<ArgumentOutOfRangeException>(() => evaluation.Advance(tokens.Length, nll));
        Assert.Throws<ArgumentException>(() => evaluation.Advance(20, new double[5]));
        evaluation.Dispose();
        Assert.Throws<ObjectDisposedException>(() => evaluation.Advance(20, nll));
        fast.TokenNll(tokens, rope, nll); // free again
        Assert.Throws<LongRopeSearch.Core.InputException>(() => fast.BeginSample([1, 2, 99], rope));
    }

    [Fact]
    public async Task Another_threads_call_waits_until_the_open_evaluation_is_disposed()
    {
        var (w, tokens, factors) = Small(40);
        using var fast = new FastForward(w, new ForwardPassOptions { Threads = 1 }, SimdLevels.Best, Chunk);
        var rope = RopeTable.Build(factors, w.Config.RopeTheta, w.Config.RotaryDim, tokens.Length);
        var nll = new double[tokens.Length - 1];
        var evaluation = fast.BeginSample(tokens, rope);
        evaluation.Advance(10, nll);
        var other = new double[tokens.Length - 1];
        using var started = new SemaphoreSlim(0);
        // A thread of its own, not Task.Run: the forward pass tells the opener from others by managed thread id, and a
        // pool thread may be the very thread that opened the evaluation (this test's, returned to the pool at an await),
        // which is refused at once instead of waiting (the guard against waiting on oneself; it failed CI once so).
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            started.Release();
            try
            {
                fast.TokenNll(tokens, rope, other);
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        }) { IsBackground = true };
        thread.Start();
        var waiting = done.Task;
        await started.WaitAsync();
        // The other thread's whole pass cannot finish while the evaluation is open (however long we look).
        Assert.NotSame(waiting, await Task.WhenAny(waiting, Task.Delay(300)));
        evaluation.Advance(tokens.Length - 1, nll);
        evaluation.Dispose();
        await waiting.WaitAsync(TimeSpan.FromMinutes(1));
        Assert.Equal(-1, FirstDifference(nll, other));
    }

    [Fact]
    public void Memory_is_what_the_plan_says_for_both_modes()
    {
        var (w, tokens, factors) = Small(300);
        var c = w.Config;
        var rope = RopeTable.Build(factors, c.RopeTheta, c.RotaryDim, tokens.Length);
        int length = tokens.Length;
        long slack = 64L * (7 + 2 * c.NumLayers); // alignment: 64 bytes at most per buffer (X, Q, 5 chunk buffers, 2 per slot)
        using (var whole = new FastForward(w, new ForwardPassOptions { Threads = 1, Layer0CacheBytes = 0 }, SimdLevels.Best, Chunk))
        {
            whole.TokenNll(tokens, rope, new double[length - 1]);
            Assert.InRange(whole.WorkspaceBytes, whole.WholePassBytes(length), whole.WholePassBytes(length) + slack);
        }
        using var prefix = new FastForward(w, new ForwardPassOptions { Threads = 1, Layer0CacheBytes = 0 }, SimdLevels.Best, Chunk);
        RunSegmented(prefix, w, tokens, factors, [100, length - 1]);
        long planned = prefix.PrefixEvaluationBytes(length);
        Assert.InRange(prefix.WorkspaceBytes, planned, planned + slack);
        // Keys and values of every layer [layers, L, 2·kv_dim] and 96 rows in flight, against one layer's keys and values and all L rows.
        long kvPerLayer = 4L * (c.KvDim * CausalAttention.KeyStride(length) + (long)length * c.KvDim);
        Assert.Equal((c.NumLayers - 1) * kvPerLayer - 4L * (length - prefix.SegmentRows) * (c.HiddenSize + c.QueryDim),
            planned - prefix.WholePassBytes(length));
    }
}
