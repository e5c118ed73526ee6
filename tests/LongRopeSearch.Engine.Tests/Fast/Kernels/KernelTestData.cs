using System.Runtime.InteropServices;
using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;
using Xunit;

namespace LongRopeSearch.Engine.Tests;

/// <summary>Shared helpers of the kernel tests: random data, the SIMD levels, tolerances, bit comparisons.</summary>
public static class KernelTestData
{
    /// <summary>
    /// Every level, whatever this CPU has: a level wider than the hardware runs emulated by .NET (the same IEEE
    /// operations lane by lane, slowly), so each test checks all three levels on any machine.
    /// </summary>
    public static IReadOnlyList<SimdLevel> AllLevels { get; } = Enum.GetValues<SimdLevel>();

    public static TheoryData<SimdLevel> Levels()
    {
        var data = new TheoryData<SimdLevel>();
        foreach (var l in AllLevels) data.Add(l);
        return data;
    }

    /// <summary>Every level crossed with every case.</summary>
    public static TheoryData<SimdLevel, T> EveryLevelWith<T>(IEnumerable<T> cases)
    {
        var data = new TheoryData<SimdLevel, T>();
        foreach (var level in AllLevels)
            foreach (var c in cases) data.Add(level, c);
        return data;
    }

    public static TheoryData<SimdLevel, DType> LevelsAndTypes() => EveryLevelWith(Enum.GetValues<DType>());

    /// <summary>Row lengths below, at and past one 16-lane block, a ragged tail, and a model-sized row.</summary>
    public static TheoryData<SimdLevel, int> LevelsAndSizes() => EveryLevelWith([1, 15, 16, 17, 37, 256, 1000]);

    public static float[] Uniform(Random rng, int n, double scale = 1.0)
    {
        var a = new float[n];
        for (int i = 0; i < n; i++) a[i] = (float)((rng.NextDouble() * 2 - 1) * scale);
        return a;
    }

    public static double[] Widen(ReadOnlySpan<float> x)
    {
        var d = new double[x.Length];
        for (int i = 0; i < x.Length; i++) d[i] = x[i];
        return d;
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
        a.Length == b.Length && MemoryMarshal.AsBytes(a).SequenceEqual(MemoryMarshal.AsBytes(b));

    public static bool BitsEqual(ReadOnlySpan<double> a, ReadOnlySpan<double> b) =>
        a.Length == b.Length && MemoryMarshal.AsBytes(a).SequenceEqual(MemoryMarshal.AsBytes(b));

    /// <summary>
    /// Runs <paramref name="kernel"/> at <paramref name="level"/> and at Scalar and asserts the same bits (the
    /// level-independence rule of LaneOrder); returns the result at <paramref name="level"/> for a comparison with the
    /// reference.
    /// </summary>
    public static float[] SameBitsAsScalar(SimdLevel level, Func<SimdLevel, float[]> kernel, string what)
    {
        var result = kernel(level);
        var scalar = kernel(SimdLevel.Scalar);
        Assert.Equal(scalar.Length, result.Length);
        for (int i = 0; i < scalar.Length; i++)
            if (BitConverter.SingleToInt32Bits(scalar[i]) != BitConverter.SingleToInt32Bits(result[i]))
                Assert.Fail($"{what}: {level} element {i} is {result[i]:R}, Scalar gives {scalar[i]:R}");
        return result;
    }
}
