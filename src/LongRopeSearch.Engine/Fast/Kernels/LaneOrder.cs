using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// The one summation order of the fast kernels. It is the same at every <see cref="SimdLevel"/>, so a forward pass
/// gives the same bits on every x86-64 machine (with AVX-512, with AVX2 only, or with no vectors at all):
/// <list type="number">
/// <item>A reduction over n elements (a softmax sum, a sum of squares) runs in 16 logical lanes: element i of the
/// first ⌊n/16⌋·16 goes to lane i mod 16, and each lane adds its elements in index order. Vector512 holds the 16
/// lanes in one register, Vector256 in two (lanes 0–7 and 8–15), Scalar in 16 locals.</item>
/// <item>The lanes combine by a fixed pairwise tree: lane l + lane l+8, then l + l+4, then l + l+2, then l + l+1.</item>
/// <item>The last n mod 16 elements are added to that total one at a time in index order.</item>
/// <item>Each element's own value is the same formula at every level: a scalar lane uses exactly the operations of a
/// vector lane (<see cref="FastExp.Exp(float)"/>, MathF.FusedMultiplyAdd where the vectors fuse).</item>
/// <item>Everything else is element-wise: each output element is its own chain (a GEMM element is one fused
/// multiply-add chain over k ascending, a rotated value is a·c − b·s), so the vector width cannot change it.</item>
/// </list>
/// Transcendentals that feed results are computed here too (<see cref="FastExp"/>, <see cref="FixedLog"/>), not by the
/// C library, whose last bits may differ between library versions and CPU-specific code paths.
/// </summary>
internal static unsafe class LaneOrder
{
    /// <summary>Logical lanes of every reduction.</summary>
    public const int Lanes = 16;

    /// <summary>
    /// Σ over x[0, n) of the step's values in the lane order above: <typeparamref name="TStep"/> adds one element
    /// (or one vector of elements) to an accumulator and may write a value back.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static float Reduce<TStep>(SimdLevel level, float* x, int n, TStep step) where TStep : struct, ILaneStep
    {
        int blocked = n / Lanes * Lanes, i = 0;
        float total;
        if (level == SimdLevel.Vector512)
        {
            var lanes = Vector512<float>.Zero;
            for (; i < blocked; i += Lanes) lanes = step.Add(lanes, x + i);
            total = Combine(lanes);
        }
        else if (level == SimdLevel.Vector256)
        {
            Vector256<float> low = Vector256<float>.Zero, high = Vector256<float>.Zero;
            for (; i < blocked; i += Lanes)
            {
                low = step.Add(low, x + i);
                high = step.Add(high, x + i + 8);
            }
            total = Combine(low, high);
        }
        else
        {
            Span<float> lanes = stackalloc float[Lanes];
            lanes.Clear();
            for (; i < blocked; i += Lanes)
                for (int l = 0; l < Lanes; l++) lanes[l] = step.Add(lanes[l], x + i + l);
            total = Combine(lanes);
        }
        for (; i < n; i++) total = step.Add(total, x + i);
        return total;
    }

    /// <summary>The pairwise tree over 16 lanes held in one Vector512.</summary>
    public static float Combine(Vector512<float> lanes) => Combine8(lanes.GetLower() + lanes.GetUpper());

    /// <summary>The pairwise tree over 16 lanes held as lanes 0–7 and 8–15.</summary>
    public static float Combine(Vector256<float> low, Vector256<float> high) => Combine8(low + high);

    /// <summary>The pairwise tree over 16 scalar lanes.</summary>
    public static float Combine(ReadOnlySpan<float> lanes)
    {
        Span<float> half = stackalloc float[8];
        for (int l = 0; l < 8; l++) half[l] = lanes[l] + lanes[l + 8];
        float s0 = half[0] + half[4], s1 = half[1] + half[5], s2 = half[2] + half[6], s3 = half[3] + half[7];
        return (s0 + s2) + (s1 + s3);
    }

    /// <summary>8 partial sums (lane l already holds lane l + lane l+8): l + l+4, then l + l+2, then l + l+1.</summary>
    private static float Combine8(Vector256<float> v)
    {
        var h = v.GetLower() + v.GetUpper();
        return (h.GetElement(0) + h.GetElement(2)) + (h.GetElement(1) + h.GetElement(3));
    }
}

/// <summary>One element's contribution to a <see cref="LaneOrder.Reduce"/>, the same operations at every width.</summary>
internal unsafe interface ILaneStep
{
    /// <summary>Adds the 16 elements at <paramref name="x"/>.</summary>
    Vector512<float> Add(Vector512<float> lanes, float* x);

    /// <summary>Adds the 8 elements at <paramref name="x"/>.</summary>
    Vector256<float> Add(Vector256<float> lanes, float* x);

    /// <summary>Adds the element at <paramref name="x"/>.</summary>
    float Add(float lane, float* x);
}
