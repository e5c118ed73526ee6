using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>The Llama MLP gate: h = silu(g) ⊙ u with silu(g) = g·σ(g) = g / (1 + e^(−g)).</summary>
internal static unsafe class SwiGlu
{
    /// <summary>
    /// gate[i] ← gate[i]·up[i] / (1 + e^(−gate[i])) for i &lt; n, one pass, <see cref="FastExp"/> in every lane and in
    /// the scalar tail: element-wise, so the same bits at every level.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ApplyInPlace(SimdLevel level, float* gate, float* up, int n)
    {
        int i = 0;
        if (level == SimdLevel.Vector512)
        {
            for (; i + 16 <= n; i += 16)
            {
                var g = Vector512.Load(gate + i);
                (g * Vector512.Load(up + i) / (Vector512<float>.One + FastExp.Exp(-g))).Store(gate + i);
            }
        }
        else if (level == SimdLevel.Vector256)
        {
            for (; i + 8 <= n; i += 8)
            {
                var g = Vector256.Load(gate + i);
                (g * Vector256.Load(up + i) / (Vector256<float>.One + FastExp.Exp(-g))).Store(gate + i);
            }
        }
        for (; i < n; i++)
        {
            float g = gate[i];
            gate[i] = g * up[i] / (1f + FastExp.Exp(-g));
        }
    }
}
