using System.Runtime.CompilerServices;
using LongRopeSearch.Model;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// Packs a block of a weight W[N, K] into the panel layout the micro-kernels read: panel[p, j] = W[n0 + j, k0 + p]
/// for p &lt; kc, j &lt; width, as float32, row stride <see cref="Width"/>, columns width..Width zero.
/// A panel is converted once and then used by every row of the chunk, so 16-bit weights cost one conversion per
/// weight element per GEMM call, not per token.
/// </summary>
internal static unsafe class PanelPacker
{
    /// <summary>Columns per panel: 4 Vector512 (the 6×64 tile) or 4 strips of the 16-column Vector256 tile.</summary>
    public const int Width = 64;

    /// <param name="w">Weight [N, K].</param>
    /// <param name="rowsTemp">Scratch of at least Width·kc floats (used for 16-bit weights).</param>
    /// <param name="panel">Destination [kc, Width].</param>
    public static void Pack(SimdLevel level, Tensor w, int n0, int width, int k0, int kc, float* rowsTemp, float* panel)
    {
        int k = w.Cols;
        float* src;
        nint srcStride;
        if (w.DType == DType.F32)
        {
            // Read F32 weights in place.
            src = (float*)w.Data + (long)n0 * k + k0;
            srcStride = k;
        }
        else
        {
            // rowsTemp: [width, kc] converted rows, vectorized conversion, each row contiguous.
            for (int j = 0; j < width; j++) WeightRows.Convert(level, w, (long)(n0 + j) * k + k0, kc, rowsTemp + (nint)j * kc);
            src = rowsTemp;
            srcStride = kc;
        }
        Transpose(src, srcStride, width, kc, panel);
    }

    /// <summary>panel[p, j] = src[j, p]; 16×16 blocks keep both the read and the write streams within a few lines.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transpose(float* src, nint srcStride, int width, int kc, float* panel)
    {
        const int B = 16;
        for (int p0 = 0; p0 < kc; p0 += B)
        {
            int pe = Math.Min(p0 + B, kc);
            for (int j0 = 0; j0 < width; j0 += B)
            {
                int je = Math.Min(j0 + B, width);
                for (int j = j0; j < je; j++)
                {
                    float* s = src + j * srcStride;
                    for (int p = p0; p < pe; p++) panel[(nint)p * Width + j] = s[p];
                }
            }
            if (width < Width)
                for (int p = p0; p < pe; p++) new Span<float>(panel + (nint)p * Width + width, Width - width).Clear();
        }
    }
}
