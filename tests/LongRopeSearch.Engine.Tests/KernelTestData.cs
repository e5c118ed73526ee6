using Xunit;
using LongRopeSearch.Engine.Kernels;

namespace LongRopeSearch.Engine.Tests;

/// <summary>Shared helpers of the kernel tests: random data, the SIMD levels this machine can run, tolerances.</summary>
public static class KernelTestData
{
    /// <summary>Every level supported here (Scalar always; Vector256/512 when the CPU has them).</summary>
    public static TheoryData<SimdLevel> Levels()
    {
        var data = new TheoryData<SimdLevel>();
        foreach (var l in Enum.GetValues<SimdLevel>())
            if (SimdLevels.IsSupported(l)) data.Add(l);
        return data;
    }

    public static float[] Uniform(Random rng, int n, double scale = 1.0)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return a;
    }

    /// <summary>|actual − expected| ≤ tol·(|expected| + floor) element-wise, with a message naming the first miss.</summary>
    public static void AssertClose(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, double tol, double floor, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected[i], a = actual[i];
            if (!(Math.Abs(a - e) <= tol * (Math.Abs(e) + floor)))
                Assert.Fail($"{what}: element {i} expected {e:R}, got {a:R}");
        }
    }

    public static bool BitsEqual(ReadOnlySpan<float> a, ReadOnlySpan<float> b) =>
        a.Length == b.Length && System.Runtime.InteropServices.MemoryMarshal.AsBytes(a).SequenceEqual(System.Runtime.InteropServices.MemoryMarshal.AsBytes(b));
}
