using LongRopeSearch.Engine.Fast.Kernels;
using Xunit;
using static LongRopeSearch.Engine.Tests.KernelTestData;

namespace LongRopeSearch.Engine.Tests;

/// <summary>Flash-style causal attention against the reference attention, at every level.</summary>
public sealed unsafe class CausalAttentionTests
{
    /// <param name="perHeadValues">Lay values out [kv_heads, L, d] as the engine does, instead of [L, kv_heads·d].</param>
    private static float[] Fast(SimdLevel level, int threads, float[] q, float[] k, float[] v, int length, int heads, int kvHeads, int d, bool perHeadValues = false,
        int? window = null)
    {
        using var pool = new WorkerPool(threads);
        var attention = new CausalAttention(pool, level);
        int kvDim = kvHeads * d, stride = CausalAttention.RoundUpKeys(length) + 3; // an odd stride on purpose
        var kT = new float[kvDim * stride]; // [kv_dim, stride]
        for (int t = 0; t < length; t++)
            for (int c = 0; c < kvDim; c++) kT[c * stride + t] = k[t * kvDim + c];
        var values = v;
        nint vStride = kvDim, vHeadStride = d;
        if (perHeadValues)
        {
            values = new float[v.Length]; // [kv_heads, L, d]
            for (int t = 0; t < length; t++)
                for (int g = 0; g < kvHeads; g++)
                    v.AsSpan(t * kvDim + g * d, d).CopyTo(values.AsSpan((g * length + t) * d));
            (vStride, vHeadStride) = (d, length * d);
        }
        var o = (float[])q.Clone(); // in place, as the engine runs it
        fixed (float* op = o, kp = kT, vp = values)
            attention.Run(op, heads * d, kp, stride, vp, vStride, vHeadStride, op, heads * d, length, heads, kvHeads, d, 1f / MathF.Sqrt(d), window: window);
        return o;
    }

    public static TheoryData<SimdLevel, int, int, int, int> Cases()
    {
        var data = new TheoryData<SimdLevel, int, int, int, int>();
        // Lengths below, at and across key tiles (128) and 16-lane blocks; GQA groups 1–8; head_dim 8 takes the scalar path.
        var cases = new (int L, int H, int Kv, int D)[] { (1, 2, 2, 16), (5, 4, 2, 16), (64, 2, 1, 32), (65, 3, 3, 16), (300, 4, 2, 64), (130, 6, 2, 16), (77, 8, 1, 8) };
        foreach (var level in AllLevels)
            foreach (var (l, h, kv, d) in cases)
                data.Add(level, l, h, kv, d);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Matches_reference_attention_with_the_same_bits_as_scalar(SimdLevel level, int length, int heads, int kvHeads, int d)
    {
        var rng = new Random(length * 31 + heads * 7 + d);
        // Scale 2 gives peaked softmax rows, so a wrong causal bound or max shift shows.
        var q = Uniform(rng, length * heads * d, 2);
        var k = Uniform(rng, length * kvHeads * d, 2);
        var v = Uniform(rng, length * kvHeads * d);
        var expected = new float[length * heads * d];
        ReferenceAttention.Apply(q, k, v, length, heads, kvHeads, d, expected, new ParallelOptions { MaxDegreeOfParallelism = 2 });
        var actual = SameBitsAsScalar(level, l => Fast(l, 2, q, k, v, length, heads, kvHeads, d, perHeadValues: length % 2 == 0),
            $"L{length} H{heads}/{kvHeads} d{d}");
        AssertClose(expected, actual, 2e-5, 1, $"{level} L{length} H{heads}/{kvHeads} d{d}");
    }

    [Theory]
    [MemberData(nameof(Levels), MemberType = typeof(KernelTestData))]
    public void Bits_do_not_depend_on_thread_count(SimdLevel level)
    {
        var rng = new Random(3);
        int length = 290, heads = 4, kvHeads = 2, d = 32;
        var q = Uniform(rng, length * heads * d, 2);
        var k = Uniform(rng, length * kvHeads * d, 2);
        var v = Uniform(rng, length * kvHeads * d);
        var one = Fast(level, 1, q, k, v, length, heads, kvHeads, d);
        var three = Fast(level, 3, q, k, v, length, heads, kvHeads, d);
        Assert.True(BitsEqual(one, three));
    }

    public static TheoryData<SimdLevel, int, int, int, int, int> WindowCases()
    {
        var data = new TheoryData<SimdLevel, int, int, int, int, int>();
        // Windows inside one key tile, spanning tiles (128) and query blocks (60 rows / group), of one key, of a whole
        // tile, and ≥ L (no effect); head_dim 8 takes the scalar path.
        var cases = new (int L, int H, int Kv, int D, int W)[]
        {
            (300, 4, 2, 64, 77), (300, 4, 2, 16, 128), (290, 2, 1, 32, 129), (130, 6, 2, 16, 1), (65, 3, 3, 16, 200), (77, 8, 1, 8, 10), (261, 2, 2, 16, 64),
        };
        foreach (var level in AllLevels)
            foreach (var (l, h, kv, d, w) in cases)
                data.Add(level, l, h, kv, d, w);
        return data;
    }

    [Theory]
    [MemberData(nameof(WindowCases))]
    public void Sliding_window_matches_reference_attention_with_the_same_bits_as_scalar(SimdLevel level, int length, int heads, int kvHeads, int d, int window)
    {
        var rng = new Random(length * 31 + heads * 7 + d + window);
        var q = Uniform(rng, length * heads * d, 2);
        var k = Uniform(rng, length * kvHeads * d, 2);
        var v = Uniform(rng, length * kvHeads * d);
        var expected = new float[length * heads * d];
        ReferenceAttention.Apply(q, k, v, length, heads, kvHeads, d, expected, new ParallelOptions { MaxDegreeOfParallelism = 2 }, window);
        var actual = SameBitsAsScalar(level, l => Fast(l, 2, q, k, v, length, heads, kvHeads, d, perHeadValues: length % 2 == 0, window),
            $"L{length} H{heads}/{kvHeads} d{d} W{window}");
        AssertClose(expected, actual, 2e-5, 1, $"{level} L{length} H{heads}/{kvHeads} d{d} W{window}");
        if (window >= length)
            Assert.True(BitsEqual(Fast(level, 2, q, k, v, length, heads, kvHeads, d, perHeadValues: length % 2 == 0), actual),
                "a window covering the whole sequence must be full causal attention, bit for bit");
    }

    /// <summary>
    /// The window convention itself, on the reference: query t attends to exactly the W keys t − W + 1..t (transformers'
    /// sliding_window_overlay, kv_idx &gt; q_idx − W). Each windowed row equals the last row of full causal attention
    /// over just those keys.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(17)]
    public void A_window_of_w_keys_is_full_attention_over_the_last_w_positions(int window)
    {
        var rng = new Random(window);
        int length = 40, heads = 2, kvHeads = 1, d = 8;
        var q = Uniform(rng, length * heads * d, 2);
        var k = Uniform(rng, length * kvHeads * d, 2);
        var v = Uniform(rng, length * kvHeads * d);
        var windowed = new float[length * heads * d];
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 1 };
        ReferenceAttention.Apply(q, k, v, length, heads, kvHeads, d, windowed, parallel, window);
        for (int t = 0; t < length; t++)
        {
            int first = Math.Max(0, t - window + 1), n = t - first + 1;
            var subQ = q.AsSpan((first * heads) * d, n * heads * d).ToArray();
            var subK = k.AsSpan(first * kvHeads * d, n * kvHeads * d).ToArray();
            var subV = v.AsSpan(first * kvHeads * d, n * kvHeads * d).ToArray();
            var full = new float[n * heads * d];
            ReferenceAttention.Apply(subQ, subK, subV, n, heads, kvHeads, d, full, parallel);
            Assert.Equal(full.AsSpan((n - 1) * heads * d, heads * d).ToArray(), windowed.AsSpan(t * heads * d, heads * d).ToArray());
        }
    }
}
