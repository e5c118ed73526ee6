using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>The softmax core shared by attention and the final log-softmax: x ← exp(x − shift), returning Σ x.</summary>
internal static unsafe class ExpSum
{
    /// <summary>
    /// Replaces x[0, n) by <see cref="FastExp"/>(x − shift) and returns their sum in the <see cref="LaneOrder"/> (16
    /// lanes, pairwise tree, tail in order): the same bits at every level. Inputs must be finite and ≤ shift + 88.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float ExpShiftInPlace(SimdLevel level, float* x, int n, float shift) =>
        LaneOrder.Reduce(level, x, n, new ExpShiftStep(shift));

    /// <summary>max of x[0, n), n ≥ 1. Exact whatever the order (a maximum of finite values rounds nothing).</summary>
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

    /// <summary>x[0, n) ×= s (element-wise: the same bits at every level).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Scale(SimdLevel level, float* x, int n, float s)
    {
        int i = 0;
        if (level != SimdLevel.Scalar)
        {
            var sv = Vector256.Create(s);
            for (; i + 8 <= n; i += 8) (Vector256.Load(x + i) * sv).Store(x + i);
        }
        for (; i < n; i++) x[i] *= s;
    }

    /// <summary>One softmax element: e = exp(x − shift), written back and added to its lane.</summary>
    private readonly struct ExpShiftStep(float shift) : ILaneStep
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Add(Vector512<float> lanes, float* x)
        {
            var e = FastExp.Exp(Vector512.Load(x) - Vector512.Create(shift));
            e.Store(x);
            return lanes + e;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector256<float> Add(Vector256<float> lanes, float* x)
        {
            var e = FastExp.Exp(Vector256.Load(x) - Vector256.Create(shift));
            e.Store(x);
            return lanes + e;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Add(float lane, float* x)
        {
            var e = FastExp.Exp(*x - shift);
            *x = e;
            return lane + e;
        }
    }
}
