using System.Globalization;
using System.Numerics;
using LongRopeSearch.Rope;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// The cos/sin tables the forward passes read, at positions up to 2,097,152 (2M, the longest LongRoPE context),
/// against an exact computation: the angle p·θ_i/λ_i as a rational number in big integers, reduced modulo 2π with
/// 2π to 50 digits, then cos/sin of the reduced angle in float64. A float32 angle would be off by up to 0.125 rad
/// there; the table must be within one float32 ulp of the exact value times the attention factor.
/// </summary>
public sealed class RopeTableAccuracyTests(ITestOutputHelper output)
{
    private const int Digits = 50;
    private static readonly BigInteger Scale = BigInteger.Pow(10, Digits);
    // 2π · 10^50, from π = 3.14159265358979323846264338327950288419716939937510 58209…
    private static readonly BigInteger TwoPiScaled = BigInteger.Parse("628318530717958647692528676655900576839433879875021", CultureInfo.InvariantCulture);

    /// <summary>(mantissa, exponent) with value = mantissa · 2^exponent, exactly.</summary>
    private static (BigInteger Mantissa, int Exponent) Exact(double v)
    {
        long bits = BitConverter.DoubleToInt64Bits(v);
        int e = (int)((bits >> 52) & 0x7FF);
        long m = bits & 0xF_FFFF_FFFF_FFFFL;
        return e == 0 ? (m, -1074) : (m | (1L << 52), e - 1075);
    }

    /// <summary>(p·θ/λ) mod 2π in float64, from the exact rational value of the doubles θ and λ.</summary>
    private static double ReducedAngle(long p, double theta, double lambda)
    {
        var (mt, et) = Exact(theta);
        var (ml, el) = Exact(lambda);
        // angle = p·mt·2^et / (ml·2^el) = p·mt / ml · 2^(et − el), in units of 10^−50.
        BigInteger num = p * mt * Scale, den = ml;
        int shift = et - el;
        if (shift >= 0) num <<= shift;
        else den <<= -shift;
        var angle = BigInteger.Divide(num, den);
        var reduced = BigInteger.Remainder(angle, TwoPiScaled);
        return (double)reduced / 1e50;
    }

    public static TheoryData<double, double> BasesAndAttentionFactors() => new() { { 10000, 1.0 }, { 500000, 1.2247 } };

    [Theory]
    [MemberData(nameof(BasesAndAttentionFactors))]
    public void Cos_and_sin_up_to_2M_positions_are_within_one_float32_ulp(double ropeBase, double attentionFactor)
    {
        // head_dim 8 keeps the 2M-position table at 64 MB; its pairs span θ from 1 (the fastest angle) to base^(−3/4).
        const int HeadDim = 8, Pairs = HeadDim / 2, Length = 2_097_152, Window = 3;
        double[][] lambdas = [[1, 1, 1, 1], [1.5, 7.3, 31.7, 64], [1.0001, 2.5, 16, 300]];
        double worst = 0;
        foreach (var lambda in lambdas)
        {
            var table = RopeTable.Build(new FactorSet(lambda, nHat: 0, attentionFactor), ropeBase, HeadDim, Length);
            foreach (int end in new[] { 4096, 65_536, 1_048_576, Length })
                for (int p = end - Window; p < end; p++)
                    for (int i = 0; i < Pairs; i++)
                    {
                        double theta = Math.Pow(ropeBase, -2.0 * i / HeadDim);
                        double r = ReducedAngle(p, theta, lambda[i]);
                        worst = Math.Max(worst, Check(table.Cos[(long)p * Pairs + i], Math.Cos(r) * attentionFactor, p, i, "cos"));
                        worst = Math.Max(worst, Check(table.Sin[(long)p * Pairs + i], Math.Sin(r) * attentionFactor, p, i, "sin"));
                    }
        }
        output.WriteLine($"base {ropeBase}, attention factor {attentionFactor}: worst {worst:F3} float32 ulp");
    }

    private static double Check(float actual, double exact, int p, int i, string what)
    {
        float rounded = (float)exact;
        double ulp = Math.Abs((double)MathF.BitIncrement(Math.Abs(rounded)) - Math.Abs(rounded));
        double ulps = Math.Abs(actual - exact) / ulp;
        Assert.True(ulps <= 1.0, $"{what} at p={p}, pair {i}: table {actual:R}, exact {exact:R} ({ulps:F2} ulp)");
        return ulps;
    }
}
