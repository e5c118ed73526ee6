using LongRopeSearch.Engine.Fast.Kernels;
using Xunit;
using static LongRopeSearch.Engine.Tests.KernelTestData;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// Attention from a first query row (what a prefix evaluation's continuation runs): rows [first, L) get the bits a
/// whole run gives them, whichever rows share their tasks, and rows before first are not touched.
/// </summary>
public sealed unsafe class CausalAttentionFirstRowTests
{
    public static TheoryData<SimdLevel, int, int, int, int> Cases()
    {
        var data = new TheoryData<SimdLevel, int, int, int, int>();
        // (L, heads, kv heads, d): GQA 3:1 (tasks of 20 rows) and 1:1 (60 rows), 128-key tiles crossed, head_dim 8 (scalar path).
        var cases = new (int L, int H, int Kv, int D)[] { (300, 6, 2, 16), (200, 2, 2, 32), (150, 3, 1, 8) };
        foreach (var level in AllLevels)
            foreach (var (l, h, kv, d) in cases)
                data.Add(level, l, h, kv, d);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Rows_from_a_first_row_have_the_whole_runs_bits(SimdLevel level, int length, int heads, int kvHeads, int d)
    {
        var rng = new Random(length + heads);
        var q = Uniform(rng, length * heads * d, 2);
        var k = Uniform(rng, length * kvHeads * d, 2);
        var v = Uniform(rng, length * kvHeads * d);
        int qDim = heads * d;
        var whole = Run(level, q, k, v, length, heads, kvHeads, d, first: 0, end: length);
        // First rows on and off task boundaries (multiples of 20 and 60), at a 128-key tile edge, and the last row;
        // ends inside a task and a tile, as a segment of a prefix evaluation ends.
        foreach (var (first, end) in new[] { (1, length), (20, 61), (59, 131), (127, 128), (128, length), (length - 1, length), (7, 97) })
        {
            var part = Run(level, q, k, v, length, heads, kvHeads, d, first, end);
            Assert.True(BitsEqual(q.AsSpan(0, first * qDim), part.AsSpan(0, first * qDim)), $"rows before {first} were touched");
            Assert.True(BitsEqual(whole.AsSpan(first * qDim, (end - first) * qDim), part.AsSpan(first * qDim, (end - first) * qDim)),
                $"{level} L{length} H{heads}/{kvHeads} d{d}: rows [{first}, {end}) differ from the whole run");
        }
    }

    /// <summary>Rows [first, end) of attention over keys [0, end), in place on a copy of q, values per head as the engine lays them out.</summary>
    private static float[] Run(SimdLevel level, float[] q, float[] k, float[] v, int length, int heads, int kvHeads, int d, int first, int end)
    {
        using var pool = new WorkerPool(2);
        var attention = new CausalAttention(pool, level);
        int kvDim = kvHeads * d, stride = CausalAttention.KeyStride(length);
        var kT = new float[kvDim * stride];      // [kv_dim, stride]
        var values = new float[length * kvDim];  // [kv_heads, L, d]
        for (int t = 0; t < length; t++)
            for (int g = 0; g < kvHeads; g++)
                for (int c = 0; c < d; c++)
                {
                    kT[(g * d + c) * stride + t] = k[t * kvDim + g * d + c];
                    values[(g * length + t) * d + c] = v[t * kvDim + g * d + c];
                }
        var o = (float[])q.Clone();
        fixed (float* op = o, kp = kT, vp = values)
            attention.Run(op, heads * d, kp, stride, vp, d, (nint)length * d, op, heads * d, end, heads, kvHeads, d, 1f / MathF.Sqrt(d), first);
        return o;
    }
}
