using Xunit;
using LongRopeSearch.Engine.Kernels;
using LongRopeSearch.Model;
using static LongRopeSearch.Engine.Tests.KernelTestData;

namespace LongRopeSearch.Engine.Tests;

public sealed unsafe class KernelGemmTests
{
    /// <summary>C = A·Wᵀ through the fast GEMM (one call over several weights, C columns concatenated).</summary>
    private static float[] Fast(SimdLevel level, int threads, float[] a, int m, int k, Tensor[] weights)
    {
        using var pool = new WorkerPool(threads);
        var gemm = new Gemm(pool, level);
        int n = weights.Sum(w => w.Rows);
        var c = new float[m * n];
        c.AsSpan().Fill(float.NaN); // every element must be written
        fixed (float* ap = a, cp = c) gemm.Multiply(ap, m, k, k, weights, cp, n);
        return c;
    }

    /// <summary>Reference columns of several weights, concatenated like the fast GEMM writes them.</summary>
    private static float[] Reference(float[] a, int m, int k, Tensor[] weights)
    {
        int n = weights.Sum(w => w.Rows);
        var c = new float[m * n];
        int col = 0;
        foreach (var w in weights)
        {
            var part = GemmReference.Multiply(a, m, k, w);
            for (int i = 0; i < m; i++) part.AsSpan(i * w.Rows, w.Rows).CopyTo(c.AsSpan(i * n + col));
            col += w.Rows;
        }
        return c;
    }

    public static TheoryData<SimdLevel, DType, int, int, int> Shapes()
    {
        var data = new TheoryData<SimdLevel, DType, int, int, int>();
        var shapes = new (int M, int K, int N)[] { (1, 1, 1), (1, 37, 130), (7, 300, 65), (13, 64, 64), (6, 513, 16), (50, 17, 100), (95, 260, 200) };
        foreach (var level in Levels())
            foreach (var dtype in Enum.GetValues<DType>())
                foreach (var (m, k, n) in shapes)
                    data.Add(level, dtype, m, k, n);
        return data;
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public void Matches_reference_on_ragged_shapes(SimdLevel level, DType dtype, int m, int k, int n)
    {
        var rng = new Random(m * 1000 + k * 10 + n);
        var a = Uniform(rng, m * k);
        var w = Tensor.FromFloats("w", [n, k], Uniform(rng, n * k), dtype);
        var expected = Reference(a, m, k, [w]);
        var actual = Fast(level, 2, a, m, k, [w]);
        // float32 FMA chains vs float64 sums: error grows like √k·ε·|a||w|; inputs are O(1).
        AssertClose(expected, actual, 1e-5, Math.Sqrt(k), $"{level} {dtype} {m}x{k}x{n}");
    }

    [Theory]
    [MemberData(nameof(LevelData))]
    public void Several_weights_fill_consecutive_columns(SimdLevel level)
    {
        var rng = new Random(5);
        int m = 20, k = 40;
        Tensor[] ws =
        [
            Tensor.FromFloats("q", [70, k], Uniform(rng, 70 * k), DType.BF16),
            Tensor.FromFloats("k", [16, k], Uniform(rng, 16 * k), DType.BF16),
            Tensor.FromFloats("v", [33, k], Uniform(rng, 33 * k), DType.BF16),
        ];
        var a = Uniform(rng, m * k);
        AssertClose(Reference(a, m, k, ws), Fast(level, 3, a, m, k, ws), 1e-5, Math.Sqrt(k), $"{level} fused");
    }

    public static TheoryData<SimdLevel> LevelData() => Levels();

    [Fact]
    public void Bits_do_not_depend_on_threads_rows_or_level()
    {
        var rng = new Random(11);
        int m = 61, k = 300, n = 150;
        var a = Uniform(rng, m * k);
        var w = Tensor.FromFloats("w", [n, k], Uniform(rng, n * k), DType.F16);
        var one = Fast(SimdLevel.Scalar, 1, a, m, k, [w]);
        var best = Fast(SimdLevels.Best, 1, a, m, k, [w]);
        var threaded = Fast(SimdLevels.Best, 3, a, m, k, [w]);
        // Every level computes each element as the same fused multiply-add chain over k ascending.
        Assert.True(BitsEqual(one, best), "scalar vs vector bits");
        Assert.True(BitsEqual(best, threaded), "1 vs 3 threads bits");
        // Row 17 alone gives the same bits as inside the batch (no dependence on tiling or chunking).
        var row = Fast(SimdLevels.Best, 2, a.AsSpan(17 * k, k).ToArray(), 1, k, [w]);
        Assert.True(BitsEqual(best.AsSpan(17 * n, n), row), "row alone vs in batch");
    }
}
