using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// Rotary position embedding, Hugging Face rotate_half pairing over the rotary dim r of each head (r = d, or
/// d × partial_rotary_factor): dim i pairs with i + r/2 and out[i] = x[i]·cos − x[i+r/2]·sin,
/// out[i+r/2] = x[i+r/2]·cos + x[i]·sin (cos/sin carry the attention factor); dims r..d−1 pass through.
/// Plain float32 multiplies and adds (no fused ops), element-wise, so every level gives the same bits.
/// </summary>
internal static unsafe class Rotary
{
    /// <summary>Rotates the <paramref name="heads"/> heads of one token row in place.</summary>
    /// <param name="row">[heads·d] one token's projections.</param>
    /// <param name="rotaryDim">r: the rotated dims at the start of each head, even, at most d.</param>
    /// <param name="cos">[r/2] the token's cos row of the rope table.</param>
    /// <param name="sin">[r/2] the token's sin row.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ApplyRow(SimdLevel level, float* row, int heads, int d, int rotaryDim, float* cos, float* sin)
    {
        int half = rotaryDim / 2;
        for (int h = 0; h < heads; h++)
        {
            float* x1 = row + h * d, x2 = x1 + half;
            int i = 0;
            if (level != SimdLevel.Scalar)
            {
                for (; i + 8 <= half; i += 8)
                {
                    var a = Vector256.Load(x1 + i);
                    var b = Vector256.Load(x2 + i);
                    var c = Vector256.Load(cos + i);
                    var s = Vector256.Load(sin + i);
                    (a * c - b * s).Store(x1 + i);
                    (b * c + a * s).Store(x2 + i);
                }
            }
            for (; i < half; i++)
            {
                float a = x1[i], b = x2[i];
                x1[i] = a * cos[i] - b * sin[i];
                x2[i] = b * cos[i] + a * sin[i];
            }
        }
    }
}
