using System.Runtime.Intrinsics;
using LongRopeSearch.Engine.Fast.Kernels;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// The engine's own transcendentals against float64 Math: FastExp (softmax, silu) over its whole clamped input range
/// and FixedLog (log-sum-exp) over the softmax sums it sees; and FastExp's vector lanes against its scalar version.
/// </summary>
public sealed class FastExpTests(ITestOutputHelper output)
{
    /// <summary>
    /// FastExp's stated bound, in units in the last place of the float32 result: the Cephes polynomial is good to about
    /// 1 ulp on |r| ≤ ln2/2, the reduction x − n·ln2 in two fused steps adds well under 1 ulp, the product with 2^n is
    /// exact. Measured maximum on the points below: see the test output.
    /// </summary>
    private const double FastExpUlps = 1.5;

    /// <summary>
    /// Every 64th float in [Low, High] (about 34 million points, both signs, every binade), every float in the binade
    /// boundaries' neighbourhood of 0, and the reduction's worst points (x near (k + ½)·ln 2, where |r| is largest).
    /// </summary>
    private static IEnumerable<float> Inputs()
    {
        foreach (var sign in new[] { 1, -1 })
        {
            float limit = sign > 0 ? FastExp.High : -FastExp.Low;
            for (int bits = 0; ; bits += 64)
            {
                float v = BitConverter.Int32BitsToSingle(bits);
                if (v > limit) break;
                yield return sign * v;
            }
        }
        for (int k = -126; k <= 127; k++)
        {
            float mid = (float)((k + 0.5) * Math.Log(2));
            int b = BitConverter.SingleToInt32Bits(mid);
            for (int d = -64; d <= 64; d++)
            {
                float v = BitConverter.Int32BitsToSingle(b + d);
                if (v >= FastExp.Low && v <= FastExp.High) yield return v;
            }
        }
    }

    private static double UlpsOff(float actual, double exact)
    {
        float rounded = (float)exact;
        double ulp = Math.Abs((double)MathF.BitIncrement(Math.Abs(rounded)) - Math.Abs(rounded));
        return Math.Abs(actual - exact) / ulp;
    }

    [Fact]
    public void FastExp_is_within_its_bound_over_the_whole_clamped_range()
    {
        double worst = 0;
        float worstX = 0;
        long count = 0;
        foreach (var x in Inputs())
        {
            double e = UlpsOff(FastExp.Exp(x), Math.Exp(x));
            if (e > worst) (worst, worstX) = (e, x);
            count++;
        }
        output.WriteLine($"FastExp: {count} points in [{FastExp.Low}, {FastExp.High}], worst {worst:F3} ulp at x = {worstX:R}");
        Assert.True(worst <= FastExpUlps, $"worst {worst:F3} ulp at x = {worstX:R}");
        Assert.True(count > 30_000_000);
    }

    [Fact]
    public void FastExp_clamps_outside_its_range_to_finite_positive_values()
    {
        Assert.Equal(FastExp.Exp(FastExp.Low), FastExp.Exp(-1000f));
        Assert.Equal(FastExp.Exp(FastExp.Low), FastExp.Exp(float.NegativeInfinity));
        Assert.Equal(FastExp.Exp(FastExp.High), FastExp.Exp(1000f));
        Assert.True(FastExp.Exp(FastExp.Low) > 0 && float.IsNormal(FastExp.Exp(FastExp.Low)));
        Assert.True(float.IsFinite(FastExp.Exp(FastExp.High)));
        Assert.Equal(1f, FastExp.Exp(0f));
    }

    [Fact]
    public void Vector_lanes_give_the_scalar_bits()
    {
        var rng = new Random(1);
        var xs = new float[1 << 16]; // [n] inputs over and past the clamped range
        for (int i = 0; i < xs.Length; i++) xs[i] = (float)(rng.NextDouble() * 200 - 100);
        for (int i = 0; i < xs.Length; i += 16)
        {
            var v512 = FastExp.Exp(Vector512.Create(xs.AsSpan(i, 16)));
            var v256 = FastExp.Exp(Vector256.Create(xs.AsSpan(i, 8)));
            for (int l = 0; l < 16; l++)
            {
                float s = FastExp.Exp(xs[i + l]);
                Assert.Equal(BitConverter.SingleToInt32Bits(s), BitConverter.SingleToInt32Bits(v512[l]));
                if (l < 8) Assert.Equal(BitConverter.SingleToInt32Bits(s), BitConverter.SingleToInt32Bits(v256[l]));
            }
        }
    }

    [Fact]
    public void FixedLog_is_within_one_ulp_of_Math_Log()
    {
        var rng = new Random(5);
        var xs = new List<double> { 1, 2, Math.Sqrt(2), Math.BitDecrement(Math.Sqrt(2)), Math.E, 1e-310, double.Epsilon, double.MaxValue, 0.5, 0.75 };
        for (int i = 0; i < 200_000; i++) xs.Add(1 + rng.NextDouble() * 1e6);              // softmax sums: 1 ≤ Σ ≤ vocab
        for (int i = 0; i < 200_000; i++) xs.Add(Math.Exp(rng.NextDouble() * 1400 - 700)); // every binade
        for (int i = 0; i < 50_000; i++) xs.Add(1 + (rng.NextDouble() - 0.5) * 1e-6);     // near 1, where ln x → 0
        double worst = 0, worstX = 0;
        foreach (var x in xs)
        {
            double exact = Math.Log(x), actual = FixedLog.Log(x);
            double ulp = Math.BitIncrement(Math.Abs(exact)) - Math.Abs(exact);
            double e = exact == 0 ? Math.Abs(actual) : Math.Abs(actual - exact) / ulp;
            if (e > worst) (worst, worstX) = (e, x);
        }
        output.WriteLine($"FixedLog: {xs.Count} points, worst {worst:F3} ulp of Math.Log at x = {worstX:R}");
        Assert.True(worst <= 1.0, $"worst {worst:F3} ulp at x = {worstX:R}");
        Assert.True(double.IsNaN(FixedLog.Log(0)) && double.IsNaN(FixedLog.Log(-1)) && double.IsNaN(FixedLog.Log(double.PositiveInfinity)));
    }
}
