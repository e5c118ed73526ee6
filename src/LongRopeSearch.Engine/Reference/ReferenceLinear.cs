using System.Numerics;
using System.Runtime.Intrinsics;
using LongRopeSearch.Model;

namespace LongRopeSearch.Engine;

/// <summary>
/// y[t, r] = Σ_c W[r, c]·x[t, c] (+ b[r]) for every token row t: Hugging Face nn.Linear with W stored [out, in].
/// Each weight row is converted to float32 once per call and applied to all token rows, so F16/BF16 models cost
/// one conversion per weight; dot products accumulate in float64 because this is the yardstick.
/// Threads split the output columns r; each y element is one sequential sum, so the bits never depend on scheduling.
/// The yardstick of the fast Gemm and its micro-kernels.
/// </summary>
internal static class ReferenceLinear
{
    /// <param name="x">[rows, in] row-major.</param>
    /// <param name="y">[rows, out] row-major, overwritten.</param>
    public static void Apply(Tensor w, Tensor? bias, ReadOnlyMemory<float> x, int rows, Memory<float> y, ParallelOptions parallel) =>
        ApplyCore(w, bias, x, rows, y, parallel);

    /// <summary>Same as <see cref="Apply"/> but keeps the float64 sums (logits feed a float64 log-sum-exp).</summary>
    /// <param name="x">[rows, in] row-major.</param>
    /// <param name="y">[rows, out] row-major, overwritten.</param>
    public static void ApplyDouble(Tensor w, Tensor? bias, ReadOnlyMemory<float> x, int rows, Memory<double> y, ParallelOptions parallel) =>
        ApplyCore(w, bias, x, rows, y, parallel);

    /// <summary>
    /// The one loop behind both: each float64 sum is stored as <typeparamref name="T"/> (CreateTruncating from double
    /// is the plain cast, so float outputs round once, exactly as (float)sum).
    /// </summary>
    /// <param name="x">[rows, in] row-major.</param>
    /// <param name="y">[rows, out] row-major, overwritten.</param>
    private static void ApplyCore<T>(Tensor w, Tensor? bias, ReadOnlyMemory<float> x, int rows, Memory<T> y, ParallelOptions parallel)
        where T : struct, IFloatingPointIeee754<T>
    {
        var (inDim, outDim, b) = Shapes(w, bias, x.Length, rows, y.Length);
        Parallel.For(0, outDim, parallel, () => new float[inDim], (r, _, weightRow) => // weightRow: [in]
        {
            w.ReadRow(r, weightRow);
            var xs = x.Span;
            var ys = y.Span;
            double br = b is null ? 0 : b[r];
            for (int t = 0; t < rows; t++)
                ys[t * outDim + r] = T.CreateTruncating(Dot(weightRow, xs.Slice(t * inDim, inDim)) + br);
            return weightRow;
        }, static _ => { });
    }

    /// <summary>
    /// Σ a[i]·b[i] in float64. Each product of two floats is exact in float64; the sum runs in eight fixed lanes
    /// (lane k adds i ≡ k mod 8), combined in a fixed order, then the tail in index order. Fixed-width vectors, not
    /// Vector&lt;T&gt;, so the bits are the same on every machine, accelerated or not.
    /// </summary>
    public static double Dot(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (b.Length < a.Length) throw new ArgumentException("b is shorter than a", nameof(b));
        var low = Vector256<double>.Zero;  // lanes 0..3
        var high = Vector256<double>.Zero; // lanes 4..7
        int i = 0;
        for (; i <= a.Length - 8; i += 8)
        {
            var (aLow, aHigh) = Vector256.Widen(Vector256.Create(a.Slice(i, 8)));
            var (bLow, bHigh) = Vector256.Widen(Vector256.Create(b.Slice(i, 8)));
            low += aLow * bLow;
            high += aHigh * bHigh;
        }
        var lanes = low + high;
        double acc = (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
        for (; i < a.Length; i++) acc += (double)a[i] * b[i];
        return acc;
    }

    private static (int In, int Out, float[]? Bias) Shapes(Tensor w, Tensor? bias, int xLength, int rows, int yLength)
    {
        int inDim = w.Cols, outDim = w.Rows;
        if ((long)rows * inDim > xLength) throw new ArgumentException($"{w.Name}: input holds {xLength} values, {rows}×{inDim} needed");
        if ((long)rows * outDim > yLength) throw new ArgumentException($"{w.Name}: output holds {yLength} values, {rows}×{outDim} needed");
        var b = bias?.ToFloatArray();
        if (b is not null && b.Length != outDim) throw new ArgumentException($"{bias!.Name}: {b.Length} values for {outDim} outputs");
        return (inDim, outDim, b);
    }
}
