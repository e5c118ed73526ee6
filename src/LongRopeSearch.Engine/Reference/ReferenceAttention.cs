namespace LongRopeSearch.Engine;

/// <summary>
/// Causal scaled dot-product attention with grouped key/value heads, one (position, head) row at a time:
/// scores against keys first..t only (first = 0, or with a sliding window W, max(0, t − W + 1): transformers'
/// sliding_window_overlay keeps kv_idx &gt; q_idx − W, so W keys including the query's own), softmax in float64,
/// weighted sum of values in float64, one rounding per output. Memory per worker is one score buffer of
/// min(L, W) and one accumulator of length head_dim, never an L×L matrix. The yardstick of the fast CausalAttention kernel.
/// </summary>
internal static class ReferenceAttention
{
    private sealed class Scratch(int length, int headDim)
    {
        public double[] Scores { get; } = new double[length]; // [min(L, W)] scores, then weights, of one query row
        public double[] Sum { get; } = new double[headDim];   // [head_dim] weighted sum of values
    }

    /// <param name="q">[rows, heads·d] rotated queries.</param>
    /// <param name="k">[rows, kv_heads·d] rotated keys.</param>
    /// <param name="v">[rows, kv_heads·d] values.</param>
    /// <param name="output">[rows, heads·d], overwritten.</param>
    /// <param name="window">Keys each query attends to, its own included (sliding window), or null for all earlier keys.</param>
    public static void Apply(float[] q, float[] k, float[] v, int rows, int heads, int kvHeads, int d, float[] output, ParallelOptions parallel,
        int? window = null)
    {
        if (heads % kvHeads != 0) throw new ArgumentException($"{heads} heads are not a multiple of {kvHeads} kv heads", nameof(kvHeads));
        if (window is < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "a window of at least one key");
        int group = heads / kvHeads, qDim = heads * d, kvDim = kvHeads * d;
        int span = Math.Min(rows, window ?? rows);
        double scale = 1.0 / Math.Sqrt(d);

        Parallel.For(0, rows * heads, parallel, () => new Scratch(span, d), (row, _, s) =>
        {
            int t = row / heads, h = row % heads, g = h / group;
            int first = Math.Max(0, t - span + 1);
            var query = q.AsSpan(t * qDim + h * d, d);
            var scores = s.Scores.AsSpan(0, t - first + 1); // scores[j − first] for keys j = first..t
            for (int j = first; j <= t; j++) scores[j - first] = ReferenceLinear.Dot(query, k.AsSpan(j * kvDim + g * d, d)) * scale;
            double total = ReferenceOps.ExpShift(scores, ReferenceOps.Max(scores));

            Array.Clear(s.Sum);
            for (int j = first; j <= t; j++) ReferenceOps.AddScaled(s.Sum, scores[j - first], v.AsSpan(j * kvDim + g * d, d));
            var outRow = output.AsSpan(t * qDim + h * d, d);
            for (int e = 0; e < d; e++) outRow[e] = (float)(s.Sum[e] / total);
            return s;
        }, static _ => { });
    }
}
