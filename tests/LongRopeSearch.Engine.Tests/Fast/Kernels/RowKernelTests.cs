using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using Xunit;
using static LongRopeSearch.Engine.Tests.KernelTestData;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// The row kernels against the reference ops at every level: RmsNorm, Rotary, SwiGlu, WeightRows, and the softmax
/// core ExpSum with the log-softmax TokenNll built on it.
/// </summary>
public sealed unsafe class RowKernelTests
{
    [Theory]
    [MemberData(nameof(LevelsAndSizes), MemberType = typeof(KernelTestData))]
    public void RmsNorm_matches_reference(SimdLevel level, int n)
    {
        var rng = new Random(n);
        const int Rows = 3;
        var x = Uniform(rng, Rows * n, 3);
        var w = Uniform(rng, n);
        var expected = new float[Rows * n];
        ReferenceOps.RmsNormRows(x, w, 1e-5, Rows, expected);
        var actual = SameBitsAsScalar(level, l =>
        {
            var y = new float[Rows * n];
            fixed (float* xp = x, yp = y) RmsNorm.Apply(l, xp, n, Rows, n, w, 1e-5f, yp, n);
            return y;
        }, $"rmsnorm n={n}");
        // A float32 sum of n squares vs float64: relative error ≲ √n·ε on the norm.
        AssertClose(expected, actual, 4e-6, 1e-3, $"rmsnorm {level} n={n}");
    }

    /// <summary>(level, heads, head_dim, rotary dim): whole heads, and partial rotary spans (Phi-3's partial_rotary_factor).</summary>
    public static TheoryData<SimdLevel, int, int, int> LevelsAndHeads()
    {
        var data = new TheoryData<SimdLevel, int, int, int>();
        foreach (var level in AllLevels)
            foreach (var (heads, d, r) in new[] { (1, 2, 2), (3, 16, 16), (2, 64, 64), (4, 22, 22), (2, 40, 40), (2, 64, 48), (3, 40, 20), (2, 16, 2), (1, 24, 18) })
                data.Add(level, heads, d, r);
        return data;
    }

    [Theory]
    [MemberData(nameof(LevelsAndHeads))]
    public void Rotary_matches_reference_rotation(SimdLevel level, int heads, int d, int rotaryDim)
    {
        var rng = new Random(heads * d + rotaryDim);
        var row = Uniform(rng, heads * d);
        // A real table row: position 100 000 with scaled factors and an attention factor.
        int pairs = rotaryDim / 2, position = 100_000;
        var lambda = Enumerable.Range(0, pairs).Select(i => 1.0 + 3.0 * i).ToArray();
        var rope = RopeTable.Build(new FactorSet(lambda, nHat: 4, attentionFactor: 1.2), 10000, rotaryDim, position + 1);
        var cos = rope.Cos.AsSpan(position * pairs, pairs).ToArray();
        var sin = rope.Sin.AsSpan(position * pairs, pairs).ToArray();
        var expected = (float[])row.Clone();
        for (int h = 0; h < heads; h++) ReferenceOps.Rotate(expected.AsSpan(h * d, rotaryDim), cos, sin);
        var actual = SameBitsAsScalar(level, l =>
        {
            var y = (float[])row.Clone();
            fixed (float* rp = y, cp = cos, sp = sin) Rotary.ApplyRow(l, rp, heads, d, rotaryDim, cp, sp);
            return y;
        }, $"rotary {heads}x{d} r{rotaryDim}");
        // Two rounded float32 products and a rounded sum against one rounding in float64: ≤ 2 ε·(|a·c| + |b·s|) ≤ 2 ε·2.4.
        AssertClose(expected, actual, 2.4e-7, 2.4, $"rotary {level} {heads}x{d} r{rotaryDim}");
        // The dims past the rotary span pass through bit for bit, in both.
        for (int h = 0; h < heads; h++)
            for (int e = rotaryDim; e < d; e++)
            {
                Assert.Equal(row[h * d + e], actual[h * d + e]);
                Assert.Equal(row[h * d + e], expected[h * d + e]);
            }
    }

    [Theory]
    [MemberData(nameof(LevelsAndSizes), MemberType = typeof(KernelTestData))]
    public void SwiGlu_matches_reference(SimdLevel level, int n)
    {
        var rng = new Random(n + 9);
        var gate = Uniform(rng, n, 30); // wide enough to reach exp's clamp at −87.3 only through the product
        var up = Uniform(rng, n, 2);
        var expected = (float[])gate.Clone();
        ReferenceOps.SiluGate(expected, up);
        var actual = SameBitsAsScalar(level, l =>
        {
            var y = (float[])gate.Clone();
            fixed (float* g = y, u = up) SwiGlu.ApplyInPlace(l, g, u, n);
            return y;
        }, $"swiglu n={n}");
        // FastExp's 2 ulp plus three float32 roundings.
        AssertClose(expected, actual, 1e-6, 1e-6, $"swiglu {level} n={n}");
    }

    [Theory]
    [MemberData(nameof(LevelsAndTypes), MemberType = typeof(KernelTestData))]
    public void WeightRows_convert_exactly_like_the_reference_reader(SimdLevel level, DType dtype)
    {
        var rng = new Random(2);
        var w = Tensor.FromFloats("w", [7, 45], Uniform(rng, 7 * 45, 40), dtype);
        foreach (var (start, count) in new[] { (0L, 45), (3L, 16), (50L, 37), (100L, 215) })
        {
            var expected = new float[count];
            w.Read(start, expected);
            var actual = SameBitsAsScalar(level, l =>
            {
                var dst = new float[count];
                fixed (float* d = dst) WeightRows.Convert(l, w, start, count, d);
                return dst;
            }, $"{dtype} [{start}, +{count})");
            Assert.True(BitsEqual(expected, actual), $"{level} {dtype} [{start}, +{count})");
        }
    }

    [Theory]
    [MemberData(nameof(LevelsAndSizes), MemberType = typeof(KernelTestData))]
    public void ExpShift_matches_reference_and_its_sum_has_the_same_bits_at_every_level(SimdLevel level, int n)
    {
        var rng = new Random(n * 3);
        var x = Uniform(rng, n, 20);
        float max;
        fixed (float* p = x) max = ExpSum.Max(level, p, n);
        Assert.Equal(ReferenceOps.Max(Widen(x)), max); // exact

        var expected = Widen(x);
        double expectedSum = ReferenceOps.ExpShift(expected, max);
        float sum = 0;
        var exps = SameBitsAsScalar(level, l =>
        {
            var y = (float[])x.Clone();
            fixed (float* p = y) sum = ExpSum.ExpShiftInPlace(l, p, n, max);
            return [.. y, sum]; // the exps and, last, their sum
        }, $"expshift n={n}");
        for (int i = 0; i < n; i++)
        {
            // FastExp's 2 ulp, plus the float32 rounding of the argument x − shift (half an ulp of |x − shift|,
            // which e^(·) turns into that much relative error), as in any float32 softmax.
            double tol = 2.5e-7 + Math.Abs(x[i] - max) * 0.6e-7;
            Assert.True(Math.Abs(exps[i] - expected[i]) <= tol * expected[i], $"{level} n={n} element {i}: {exps[i]:R} vs {expected[i]:R}");
        }
        // Terms in [0, 1], at least one of them 1: float32 summation error ≲ n·ε relative, far less in 16 lanes.
        Assert.True(Math.Abs(exps[n] - expectedSum) <= 1e-6 * expectedSum, $"{level} n={n}: sum {exps[n]:R} vs {expectedSum:R}");
    }

    [Theory]
    [MemberData(nameof(LevelsAndSizes), MemberType = typeof(KernelTestData))]
    public void TokenNll_is_logsumexp_minus_target_with_the_same_bits_at_every_level(SimdLevel level, int vocab)
    {
        var rng = new Random(vocab + 4);
        var logits = Uniform(rng, vocab, 20);
        int target = rng.Next(vocab);
        double expected = ReferenceOps.Nll(Widen(logits), target);
        double Run(SimdLevel l)
        {
            var copy = (float[])logits.Clone();
            fixed (float* p = copy) return TokenNll.OfRow(l, p, vocab, target);
        }
        double actual = Run(level), scalar = Run(SimdLevel.Scalar);
        Assert.True(BitConverter.DoubleToInt64Bits(actual) == BitConverter.DoubleToInt64Bits(scalar), $"{level} {actual:R} vs Scalar {scalar:R}");
        Assert.True(Math.Abs(actual - expected) <= 1e-6 * (1 + Math.Abs(expected)), $"{level} vocab {vocab}: {actual:R} vs {expected:R}");
    }
}
