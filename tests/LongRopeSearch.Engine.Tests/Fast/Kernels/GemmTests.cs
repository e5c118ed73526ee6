using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;
using Xunit;
using static LongRopeSearch.Engine.Tests.KernelTestData;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// The fast GEMM against the reference linear layer at every level: its parts on their own (weight panels, the
/// register-tiled micro-kernels), then the whole (panels × micro-kernels × task split).
/// </summary>
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

    [Theory]
    [MemberData(nameof(LevelsAndTypes), MemberType = typeof(KernelTestData))]
    public void PanelPacker_transposes_the_converted_weights_and_zeroes_the_padding(SimdLevel level, DType dtype)
    {
        var rng = new Random(7);
        int n = 90, k = 300, n0 = 64, width = 26, k0 = 256, kc = 44;
        var w = Tensor.FromFloats("w", [n, k], Uniform(rng, n * k), dtype);
        var panel = new float[kc * PanelPacker.Width];
        panel.AsSpan().Fill(float.NaN);
        var temp = new float[kc * PanelPacker.Width];
        fixed (float* pp = panel, tp = temp) PanelPacker.Pack(level, w, n0, width, k0, kc, tp, pp);
        var row = new float[k]; // [k] one weight row as the reference reads it
        for (int j = 0; j < PanelPacker.Width; j++)
        {
            if (j < width) w.ReadRow(n0 + j, row);
            for (int p = 0; p < kc; p++)
                Assert.Equal(j < width ? row[k0 + p] : 0f, panel[p * PanelPacker.Width + j]);
        }
    }

    public static TheoryData<SimdLevel, int, int, int> Tiles()
    {
        var data = new TheoryData<SimdLevel, int, int, int>();
        // rows cover the 6-row tile and 1-row remainders; cols the 64- and 16-wide tiles; kc short and long.
        foreach (var level in AllLevels)
            foreach (var (rows, cols, kc) in new[] { (1, 16, 1), (6, 64, 37), (7, 80, 256), (13, 144, 5) })
                data.Add(level, rows, cols, kc);
        return data;
    }

    [Theory]
    [MemberData(nameof(Tiles))]
    public void MicroTiles_match_reference_dot_products_and_accumulate(SimdLevel level, int rows, int cols, int kc)
    {
        var rng = new Random(rows * 100 + cols + kc);
        int lda = kc + 3, ldb = cols + 16, ldc = cols + 5; // strides wider than the block on purpose
        var a = Uniform(rng, rows * lda);
        var b = Uniform(rng, kc * ldb);
        var c0 = Uniform(rng, rows * ldc);
        var expected = new float[rows * ldc];
        var column = new float[kc]; // [kc] column j of B
        for (int j = 0; j < cols; j++)
        {
            for (int p = 0; p < kc; p++) column[p] = b[p * ldb + j];
            for (int r = 0; r < rows; r++)
                expected[r * ldc + j] = (float)(c0[r * ldc + j] + ReferenceLinear.Dot(a.AsSpan(r * lda, kc), column));
        }
        var actual = SameBitsAsScalar(level, l =>
        {
            var c = (float[])c0.Clone();
            fixed (float* ap = a, bp = b, cp = c) MicroTiles.Run(l, ap, lda, bp, ldb, cp, ldc, rows, cols, kc, accumulate: true);
            return c;
        }, $"tiles {rows}x{cols}x{kc}");
        for (int r = 0; r < rows; r++)
            AssertClose(expected.AsSpan(r * ldc, cols), actual.AsSpan(r * ldc, cols), 1e-5, Math.Sqrt(kc), $"{level} row {r}");
        // Columns past cols are never written.
        for (int r = 0; r < rows; r++)
            Assert.True(BitsEqual(c0.AsSpan(r * ldc + cols, ldc - cols), actual.AsSpan(r * ldc + cols, ldc - cols)));
    }
}
