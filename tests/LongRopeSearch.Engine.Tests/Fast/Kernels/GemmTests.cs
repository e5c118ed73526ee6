using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;
using Xunit;
using static LongRopeSearch.Engine.Tests.KernelTestData;

namespace LongRopeSearch.Engine.Tests;

/// <summary>The fast GEMM (panels, micro-kernels, task split) against the reference linear layer, at every level.</summary>
public sealed unsafe class GemmTests
{
    private static readonly ParallelOptions OneThread = new() { MaxDegreeOfParallelism = 1 };

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

    /// <summary>ReferenceLinear's columns of several weights, concatenated like the fast GEMM writes them.</summary>
    private static float[] Reference(float[] a, int m, Tensor[] weights)
    {
        int n = weights.Sum(w => w.Rows);
        var c = new float[m * n];
        int col = 0;
        foreach (var w in weights)
        {
            var part = new float[m * w.Rows];
            ReferenceLinear.Apply(w, null, a, m, part, OneThread);
            for (int i = 0; i < m; i++) part.AsSpan(i * w.Rows, w.Rows).CopyTo(c.AsSpan(i * n + col));
            col += w.Rows;
        }
        return c;
    }

    public static TheoryData<SimdLevel, DType, int, int, int> Shapes()
    {
        var data = new TheoryData<SimdLevel, DType, int, int, int>();
        var shapes = new (int M, int K, int N)[] { (1, 1, 1), (1, 37, 130), (7, 300, 65), (13, 64, 64), (6, 513, 16), (50, 17, 100), (95, 260, 200) };
        foreach (var level in AllLevels)
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
        // float32 FMA chains vs float64 sums: error grows like √k·ε·|a||w|; inputs are O(1).
        AssertClose(Reference(a, m, [w]), Fast(level, 2, a, m, k, [w]), 1e-5, Math.Sqrt(k), $"{level} {dtype} {m}x{k}x{n}");
    }

    [Theory]
    [MemberData(nameof(Levels), MemberType = typeof(KernelTestData))]
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
        AssertClose(Reference(a, m, ws), Fast(level, 3, a, m, k, ws), 1e-5, Math.Sqrt(k), $"{level} fused");
    }

    [Theory]
    [MemberData(nameof(LevelsAndTypes), MemberType = typeof(KernelTestData))]
    public void Bits_do_not_depend_on_level_threads_or_rows(SimdLevel level, DType dtype)
    {
        var rng = new Random(11);
        int m = 61, k = 300, n = 150; // k spans two K blocks, n a narrow last panel, m a ragged last micro-tile
        var a = Uniform(rng, m * k);
        var w = Tensor.FromFloats("w", [n, k], Uniform(rng, n * k), dtype);
        // Every level computes each element as the same fused multiply-add chain over k ascending.
        var one = SameBitsAsScalar(level, l => Fast(l, 1, a, m, k, [w]), $"gemm {dtype}");
        Assert.True(BitsEqual(one, Fast(level, 3, a, m, k, [w])), "1 vs 3 threads bits");
        // Row 17 alone gives the same bits as inside the batch (no dependence on tiling or chunking).
        var row = Fast(level, 2, a.AsSpan(17 * k, k).ToArray(), 1, k, [w]);
        Assert.True(BitsEqual(one.AsSpan(17 * n, n), row), "row alone vs in batch");
    }
}
