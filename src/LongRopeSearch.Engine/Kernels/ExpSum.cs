using System.Runtime.Intrinsics;

namespace LongRopeSearch.Engine.Kernels;

/// <summary>The softmax core shared by attention and the final log-softmax: x ← exp(x − shift), returning Σ x.</summary>
internal static unsafe class ExpSum
{
    /// <summary>
    /// Replaces x[0, n) by exp(x − shift) and returns their sum (vector lanes summed in a fixed order, then the tail),
    /// so the result is the same on every run at a given level.
    /// </summary>
    public static float ExpShiftInPlace(SimdLevel level, float* x, int n, float shift)
    {
        int i = 0;
        float sum = 0f;
        if (level == SimdLevel.Vector512)
        {
            var acc = Vector512<float>.Zero;
            var sv = Vector512.Create(shift);
            for (; i + 16 <= n; i += 16)
            {
                var e = Vector512.Exp(Vector512.Load(x + i) - sv);
                e.Store(x + i);
                acc += e;
            }
            sum = Vector512.Sum(acc);
        }
        else if (level == SimdLevel.Vector256)
        {
            var acc = Vector256<float>.Zero;
            var sv = Vector256.Create(shift);
            for (; i + 8 <= n; i += 8)
            {
                var e = Vector256.Exp(Vector256.Load(x + i) - sv);
                e.Store(x + i);
                acc += e;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < n; i++)
        {
            var e = MathF.Exp(x[i] - shift);
            x[i] = e;
            sum += e;
        }
        return sum;
    }

    /// <summary>max of x[0, n), n ≥ 1 (exact whatever the order).</summary>
    public static float Max(float* x, int n) => System.Numerics.Tensors.TensorPrimitives.Max(new ReadOnlySpan<float>(x, n));
}
