using LongRopeSearch.Engine.Fast.Kernels;
using Xunit;
using static LongRopeSearch.Engine.Tests.KernelTestData;

namespace LongRopeSearch.Engine.Tests;

/// <summary>ExpSum (the softmax core) and TokenNll (log-softmax of one row) against the reference ops, at every level.</summary>
public sealed unsafe class SoftmaxKernelTests
{
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
