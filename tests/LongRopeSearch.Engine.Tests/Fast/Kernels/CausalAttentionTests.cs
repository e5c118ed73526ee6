using LongRopeSearch.Engine.Fast.Kernels;
using Xunit;
using static LongRopeSearch.Engine.Tests.KernelTestData;

namespace LongRopeSearch.Engine.Tests;

/// <summary>Flash-style causal attention against the reference attention, at every level.</summary>
public sealed unsafe class CausalAttentionTests
{
    /// <param name="perHeadValues">Lay values out [kv_heads, L, d] as the engine does, instead of [L, kv_heads·d].</param>
    private static float[] Fast(SimdLevel level, int threads, float[] q, float[] k, float[] v, int length, int heads, int kvHeads, int d, bool perHeadValues = false)
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
            attention.Run(op, heads * d, kp, stride, vp, vStride, vHeadStride, op, heads * d, length, heads, kvHeads, d, 1f / MathF.Sqrt(d));
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
}
