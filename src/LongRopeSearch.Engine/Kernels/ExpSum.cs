using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LongRopeSearch.Engine.Kernels;

/// <summary>The softmax core shared by attention and the final log-softmax: x ← exp(x − shift), returning Σ x.</summary>
internal static unsafe class ExpSum
{
    /// <summary>
    /// Replaces x[0, n) by exp(x − shift) and returns their sum (vector lanes summed in a fixed order, then the tail),
    /// so the result is the same on every run at a given level. Inputs must be finite and ≤ shift + 88.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
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
                var e = FastExp.Exp(Vector512.Load(x + i) - sv);
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
                var e = FastExp.Exp(Vector256.Load(x + i) - sv);
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

    /// <summary>max of x[0, n), n ≥ 1 (exact whatever the order; inputs are finite).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Max(SimdLevel level, float* x, int n)
    {
        int i = 0;
        float max = float.NegativeInfinity;
        if (level == SimdLevel.Vector512 && n >= 16)
        {
            var m = Vector512.Load(x);
            for (i = 16; i + 16 <= n; i += 16) m = Vector512.Max(m, Vector512.Load(x + i));
            max = HorizontalMax(Vector256.Max(m.GetLower(), m.GetUpper()));
        }
        else if (level == SimdLevel.Vector256 && n >= 8)
        {
            var m = Vector256.Load(x);
            for (i = 8; i + 8 <= n; i += 8) m = Vector256.Max(m, Vector256.Load(x + i));
            max = HorizontalMax(m);
        }
        for (; i < n; i++) max = Math.Max(max, x[i]);
        return max;
    }

    private static float HorizontalMax(Vector256<float> m)
    {
        var h = Vector128.Max(m.GetLower(), m.GetUpper());
        return Math.Max(Math.Max(h.GetElement(0), h.GetElement(1)), Math.Max(h.GetElement(2), h.GetElement(3)));
    }

    /// <summary>x[0, n) ×= s.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(float* x, int n, float s)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var sv = Vector256.Create(s);
            for (; i + 8 <= n; i += 8) (Vector256.Load(x + i) * sv).Store(x + i);
        }
        for (; i < n; i++) x[i] *= s;
    }
}
