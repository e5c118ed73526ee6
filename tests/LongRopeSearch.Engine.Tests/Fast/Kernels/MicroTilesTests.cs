using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;
using Xunit;
using static LongRopeSearch.Engine.Tests.KernelTestData;

namespace LongRopeSearch.Engine.Tests;

/// <summary>The GEMM's parts on their own: weight panels and the register-tiled micro-kernels, at every level.</summary>
public sealed unsafe class MicroTilesTests
{
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
