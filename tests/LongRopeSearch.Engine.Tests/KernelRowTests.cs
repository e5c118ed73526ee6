using Xunit;
using LongRopeSearch.Engine.Kernels;
using static LongRopeSearch.Engine.Tests.KernelTestData;

namespace LongRopeSearch.Engine.Tests;

public sealed unsafe class KernelRowTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(3, 37)]
    [InlineData(5, 256)]
    public void RmsNorm_matches_reference(int rows, int n)
    {
        var rng = new Random(rows + n);
        var x = Uniform(rng, rows * n, 3);
        var w = Uniform(rng, n);
        var expected = ElementwiseReference.RmsNorm(x, rows, n, w, 1e-5f);
        var y = new float[rows * n];
        fixed (float* xp = x, yp = y) RmsNorm.Apply(xp, n, rows, n, w, 1e-5f, yp, n);
        AssertClose(expected, y, 1e-5, 1e-3, "rmsnorm");
    }

    [Theory]
    [InlineData(1, 2)]
    [InlineData(3, 16)]
    [InlineData(2, 64)]
    [InlineData(4, 22)]
    public void Rotary_pairs_i_with_i_plus_half(int heads, int d)
    {
        var rng = new Random(heads * d);
        var row = Uniform(rng, heads * d);
        var cos = Uniform(rng, d / 2);
        var sin = Uniform(rng, d / 2);
        var expected = ElementwiseReference.Rotary(row, heads, d, cos, sin);
        var actual = (float[])row.Clone();
        fixed (float* rp = actual, cp = cos, sp = sin) Rotary.ApplyRow(rp, heads, d, cp, sp);
        // Same float32 operations in the same order: identical bits.
        Assert.True(BitsEqual(expected, actual));
        // And the independent definition: a pure rotation by angle atan2(sin, cos) scaled by |(cos, sin)|.
        double r0 = Math.Sqrt(cos[0] * cos[0] + sin[0] * sin[0]);
        double inNorm = Math.Sqrt(row[0] * row[0] + row[d / 2] * row[d / 2]);
        double outNorm = Math.Sqrt(actual[0] * actual[0] + actual[d / 2] * actual[d / 2]);
        Assert.Equal(inNorm * r0, outNorm, 5);
    }

    [Theory]
    [MemberData(nameof(LevelData))]
    public void SwiGlu_matches_reference(SimdLevel level)
    {
        var rng = new Random(9);
        var gate = Uniform(rng, 101, 30); // wide enough to reach exp's clamping on both sides
        var up = Uniform(rng, 101, 2);
        var expected = ElementwiseReference.SwiGlu(gate, up);
        var actual = (float[])gate.Clone();
        fixed (float* g = actual, u = up) SwiGlu.ApplyInPlace(level, g, u, actual.Length);
        AssertClose(expected, actual, 1e-5, 1e-4, $"swiglu {level}");
    }

    public static TheoryData<SimdLevel> LevelData() => Levels();

    [Theory]
    [MemberData(nameof(LevelData))]
    public void Nll_is_logsumexp_minus_target(SimdLevel level)
    {
        var rng = new Random(4);
        foreach (int vocab in new[] { 1, 7, 16, 256, 1001 })
        {
            var logits = Uniform(rng, vocab, 20);
            int target = rng.Next(vocab);
            double expected = ElementwiseReference.Nll(logits, target);
            var copy = (float[])logits.Clone();
            double actual;
            fixed (float* p = copy) actual = TokenNll.OfRow(level, p, vocab, target);
            Assert.True(Math.Abs(actual - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"{level} vocab {vocab}: {actual} vs {expected}");
        }
    }

    [Fact]
    public void Bf16_conversion_is_a_shift()
    {
        var values = new ushort[37];
        var rng = new Random(2);
        for (int i = 0; i < values.Length; i++) values[i] = (ushort)rng.Next(0, 0x7F80); // finite positives
        var dst = new float[values.Length];
        fixed (ushort* s = values) fixed (float* d = dst) WeightRows.Bf16ToFloat(s, values.Length, d);
        for (int i = 0; i < values.Length; i++) Assert.Equal(BitConverter.Int32BitsToSingle(values[i] << 16), dst[i]);
    }
}
