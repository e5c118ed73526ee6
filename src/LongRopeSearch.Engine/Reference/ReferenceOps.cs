using System.Runtime.Intrinsics;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Engine;

/// <summary>
/// The element-wise pieces of a Llama layer, each written as directly as its formula, in float64 with one rounding to
/// float32 per output value (precision choices: <see cref="ReferenceForward"/>). The yardstick of the fast kernels
/// RmsNorm, Rotary, SwiGlu, ExpSum and TokenNll.
/// </summary>
internal static class ReferenceOps
{
    /// <summary>y = x / sqrt(mean(x²) + eps) · w (Llama RMSNorm), computed in float64 and stored once as float32.</summary>
    /// <param name="x">[hidden]</param>
    /// <param name="w">[hidden]</param>
    /// <param name="y">[hidden], may alias nothing else.</param>
    public static void RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> w, double eps, Span<float> y)
    {
        double sumSquares = 0;
        for (int i = 0; i < x.Length; i++) sumSquares += (double)x[i] * x[i];
        double inv = 1.0 / Math.Sqrt(sumSquares / x.Length + eps);
        for (int i = 0; i < x.Length; i++) y[i] = (float)(x[i] * inv * w[i]);
    }

    /// <summary>RMSNorm of every row of <paramref name="x"/> [rows, hidden] into <paramref name="y"/> [rows, hidden].</summary>
    public static void RmsNormRows(ReadOnlySpan<float> x, ReadOnlySpan<float> w, double eps, int rows, Span<float> y)
    {
        int hidden = w.Length;
        for (int t = 0; t < rows; t++)
            RmsNorm(x.Slice(t * hidden, hidden), w, eps, y.Slice(t * hidden, hidden));
    }

    /// <summary>
    /// Hugging Face rotate_half rotary embedding of one head vector h [d] at one position, in place:
    /// dim i pairs with dim i + d/2; out[i] = h[i]·cos − h[i+d/2]·sin, out[i+d/2] = h[i+d/2]·cos + h[i]·sin.
    /// cos/sin [d/2] are the table row for the position and already carry the attention factor.
    /// </summary>
    public static void Rotate(Span<float> head, ReadOnlySpan<float> cos, ReadOnlySpan<float> sin)
    {
        int half = head.Length / 2;
        for (int i = 0; i < half; i++)
        {
            double a = head[i], b = head[i + half], c = cos[i], s = sin[i];
            head[i] = (float)(a * c - b * s);
            head[i + half] = (float)(b * c + a * s);
        }
    }

    /// <summary>
    /// Rotates every head of every position of <paramref name="x"/> [rows, heads·headDim] in place: the first
    /// 2·rope.Pairs dims of each head (the rotary dim, head_dim × partial_rotary_factor), paired (i, i + rope.Pairs) as
    /// transformers' Phi-3 rotates q[..., :rotary_dim]; the remaining dims pass through unchanged.
    /// </summary>
    public static void RotateRows(Span<float> x, int rows, int heads, int headDim, RopeTable rope)
    {
        int pairs = rope.Pairs;
        if (2 * pairs > headDim) throw new ArgumentException($"{pairs} rotary pairs do not fit a head of {headDim}", nameof(rope));
        for (int t = 0; t < rows; t++)
        {
            var cos = rope.Cos.AsSpan(t * pairs, pairs);
            var sin = rope.Sin.AsSpan(t * pairs, pairs);
            for (int h = 0; h < heads; h++)
                Rotate(x.Slice((t * heads + h) * headDim, 2 * pairs), cos, sin);
        }
    }

    /// <summary>SwiGLU gate: gate[i] ← silu(gate[i])·up[i], silu(g) = g / (1 + e^(−g)).</summary>
    public static void SiluGate(Span<float> gate, ReadOnlySpan<float> up)
    {
        for (int i = 0; i < gate.Length; i++)
        {
            double g = gate[i];
            gate[i] = (float)(g / (1.0 + Math.Exp(-g)) * up[i]);
        }
    }

    /// <summary>
    /// acc[e] += w·v[e] in float64. Element-wise, so the vectorized loop gives exactly the scalar loop's bits
    /// (no fused multiply-add: the JIT never contracts a·b + c).
    /// </summary>
    public static void AddScaled(Span<double> acc, double w, ReadOnlySpan<float> v)
    {
        var weight = Vector256.Create(w);
        int e = 0;
        for (; e <= acc.Length - 4; e += 4)
        {
            var widened = Vector256.Create((double)v[e], v[e + 1], v[e + 2], v[e + 3]);
            (Vector256.Create<double>(acc.Slice(e, 4)) + weight * widened).CopyTo(acc.Slice(e, 4));
        }
        for (; e < acc.Length; e++) acc[e] += w * v[e];
    }

    /// <summary>values[i] ← e^(values[i] − shift), returning their sum in index order (softmax numerators).</summary>
    public static double ExpShift(Span<double> values, double shift)
    {
        double sum = 0;
        for (int i = 0; i < values.Length; i++) sum += values[i] = Math.Exp(values[i] - shift);
        return sum;
    }

    /// <summary>max of the values (−∞ for none).</summary>
    public static double Max(ReadOnlySpan<double> values)
    {
        double max = double.NegativeInfinity;
        foreach (var v in values) max = Math.Max(max, v);
        return max;
    }

    /// <summary>
    /// −log softmax(logits)[target] = log Σ e^(z_i − max) + max − z_target, shifted by the maximum so no term
    /// overflows. The logits are overwritten by the softmax numerators.
    /// </summary>
    public static double Nll(Span<double> logits, int target)
    {
        double targetLogit = logits[target], max = Max(logits);
        return Math.Log(ExpShift(logits, max)) + max - targetLogit;
    }
}
