using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace LongRopeSearch.Engine.Kernels;

/// <summary>RMSNorm of rows: y = x / √(mean(x²) + eps) · w (Llama; the norm in float32 like Hugging Face).</summary>
internal static unsafe class RmsNorm
{
    /// <param name="x">[rows, n], row stride xStride.</param>
    /// <param name="w">[n] gain.</param>
    /// <param name="y">[rows, n], row stride yStride; may equal x.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(float* x, nint xStride, int rows, int n, ReadOnlySpan<float> w, float eps, float* y, nint yStride)
    {
        for (int r = 0; r < rows; r++)
        {
            var xr = new ReadOnlySpan<float>(x + r * xStride, n);
            var yr = new Span<float>(y + r * yStride, n);
            float inv = 1f / MathF.Sqrt(TensorPrimitives.SumOfSquares(xr) / n + eps);
            TensorPrimitives.Multiply(xr, inv, yr);
            TensorPrimitives.Multiply(yr, w, yr);
        }
    }
}
