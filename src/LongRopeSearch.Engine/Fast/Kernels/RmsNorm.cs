using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>RMSNorm of rows: y = x / √(mean(x²) + eps) · w (Llama; the norm in float32 like Hugging Face).</summary>
internal static unsafe class RmsNorm
{
    /// <param name="x">[rows, n], row stride xStride.</param>
    /// <param name="w">[n] gain.</param>
    /// <param name="y">[rows, n], row stride yStride; may equal x.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Apply(SimdLevel level, float* x, nint xStride, int rows, int n, ReadOnlySpan<float> w, float eps, float* y, nint yStride)
    {
        for (int r = 0; r < rows; r++)
        {
            float* xr = x + r * xStride;
            var yr = new Span<float>(y + r * yStride, n);
            float inv = 1f / MathF.Sqrt(SumOfSquares(level, xr, n) / n + eps);
            // Element-wise products: the library may vectorize them any way, the bits cannot change.
            TensorPrimitives.Multiply(new ReadOnlySpan<float>(xr, n), inv, yr);
            TensorPrimitives.Multiply(yr, w, yr);
        }
    }

    /// <summary>Σ x² in the <see cref="LaneOrder"/>, each lane a fused multiply-add chain.</summary>
    public static float SumOfSquares(SimdLevel level, float* x, int n) => LaneOrder.Reduce(level, x, n, default(SquareStep));

    private readonly struct SquareStep : ILaneStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Add(Vector512<float> lanes, float* x)
        {
            var v = Vector512.Load(x);
            return Vector512.FusedMultiplyAdd(v, v, lanes);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Add(Vector256<float> lanes, float* x)
        {
            var v = Vector256.Load(x);
            return Vector256.FusedMultiplyAdd(v, v, lanes);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Add(float lane, float* x) => MathF.FusedMultiplyAdd(*x, *x, lane);
    }
}
