namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// ln x in float64 from IEEE operations alone, for the log-sum-exp of every predicted token. Math.Log calls the C
/// library, whose last bit may differ between library versions and between its FMA and non-FMA code paths; a job
/// resumed or scored on another machine must not see that. Accuracy: within 1 ulp of Math.Log (FixedLogTests).
/// <para>
/// The fdlibm scheme: x = 2^e·(1 + f) with 1 + f in [√½, √2); s = f/(2 + f), so ln(1 + f) = 2·atanh(s) = f − s·f + s·R
/// with R = 2s²/3 + 2s⁴/5 + … (|s| ≤ 0.1716, s² ≤ 0.0295: 12 terms reach 1e−19 relative), written as
/// f − (f²/2 − s·(f²/2 + R)) so the exact leading term f carries the result and the rounding stays in the corrections;
/// e·ln 2 is added as e·ln2_hi (exact: ln2_hi has trailing zero bits) and e·ln2_lo.
/// </para>
/// </summary>
internal static class FixedLog
{
    private const double Ln2Hi = 6.93147180369123816490e-01; // 0x3FE62E42FEE00000: the upper 32 bits of ln 2
    private const double Ln2Lo = 1.90821492927058770002e-10; // ln 2 − Ln2Hi
    private const double Sqrt2 = 1.41421356237309504880;
    private static readonly double[] Series = Enumerable.Range(1, 12).Select(k => 2.0 / (2 * k + 1)).ToArray(); // 2/(2k+1)

    /// <summary>ln x for a finite x &gt; 0 (a softmax sum is at least 1); NaN otherwise.</summary>
    public static double Log(double x)
    {
        if (!(x > 0) || !double.IsFinite(x)) return double.NaN;
        long bits = BitConverter.DoubleToInt64Bits(x);
        int e = (int)(bits >> 52);
        if (e == 0)
        {
            // Subnormal: scale into the normal range first (2^54 is exact).
            bits = BitConverter.DoubleToInt64Bits(x * 18014398509481984.0);
            e = (int)(bits >> 52) - 54;
        }
        e -= 1023;
        double m = BitConverter.Int64BitsToDouble((bits & 0x000F_FFFF_FFFF_FFFFL) | 0x3FF0_0000_0000_0000L); // [1, 2)
        if (m >= Sqrt2)
        {
            m *= 0.5;
            e++;
        }
        double f = m - 1; // exact
        double s = f / (2 + f), z = s * s;
        // R = z·(2/3 + z·(2/5 + …)), Horner from the smallest term, plain multiplies and adds.
        var c = Series;
        double r = c[^1];
        for (int k = c.Length - 2; k >= 0; k--) r = r * z + c[k];
        r *= z;
        double hfsq = 0.5 * f * f;
        return e * Ln2Hi - ((hfsq - (s * (hfsq + r) + e * Ln2Lo)) - f);
    }
}
