using LongRopeSearch.Model;

namespace LongRopeSearch.Engine;

/// <summary>
/// The work model of a forward pass, attention-weighted: what evaluating token rows [from, to) of a sequence costs
/// when rows [0, from) are already done (a prefix evaluation's continuation; from = 0 is a pass over a prefix, and
/// (0, L) a whole-sequence pass). Rows cost the same each (projections, MLP, lm head); row t's attention costs t + 1
/// keys, so a prefix of P tokens costs about P/L of the matmul work and (P/L)² of the attention work. The bench
/// reports GFLOP/s with it and the search reports the FLOPs that prefix-first evaluation saved.
/// </summary>
public static class ForwardCost
{
    public const string FormulaText =
        "rows [from, to) of a sequence: (to − from)·(layers·2·hidden·(q_dim + 2·kv_dim + q_dim + 3·intermediate) + 2·hidden·vocab) " +
        "+ layers·4·heads·head_dim·Σ_{t=from}^{to−1}(t+1)  [projections, MLP and lm head as 2·in·out per token; attention QKᵀ and PV " +
        "as 2·head_dim each per causal (query, key) pair; a whole sequence of L tokens: L·(…) + layers·2·heads·head_dim·L(L+1); " +
        "on a layer with a sliding window W, row t attends to min(t + 1, W) keys]; GEMM: 2·M·N·K";

    /// <summary>FLOPs of token rows [<paramref name="from"/>, <paramref name="to"/>), counted as in <see cref="FormulaText"/>:
    /// <see cref="LinearFlops"/> + <see cref="AttentionFlops"/>.</summary>
    public static double Flops(ModelConfig config, int from, int to) => LinearFlops(config, from, to) + AttentionFlops(config, from, to);

    /// <summary>The part of <see cref="Flops"/> that is the same for every row (projections, MLP, lm head): linear in the rows.</summary>
    public static double LinearFlops(ModelConfig config, int from, int to)
    {
        CheckRange(config, from, to);
        var c = config;
        double perTokenLayer = 2.0 * c.HiddenSize * (c.QueryDim + 2.0 * c.KvDim + c.QueryDim + 3.0 * c.IntermediateSize);
        double perToken = c.NumLayers * perTokenLayer + 2.0 * c.HiddenSize * c.VocabSize;
        return (to - from) * perToken;
    }

    /// <summary>The part of <see cref="Flops"/> that is attention (QKᵀ and PV per causal pair): quadratic in the length without a window.</summary>
    public static double AttentionFlops(ModelConfig config, int from, int to)
    {
        CheckRange(config, from, to);
        var c = config;
        double pairs = 0; // (query, key) pairs per head, summed over the layers
        for (int layer = 0; layer < c.NumLayers; layer++)
            pairs += c.AttentionWindow(layer) is { } w ? WindowPairs(from, to, w) : CausalPairs(from, to);
        return 4.0 * c.NumHeads * c.HeadDim * pairs;
    }

    private static void CheckRange(ModelConfig config, int from, int to)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (from < 0 || to < from) throw new ArgumentOutOfRangeException(nameof(to), $"rows [{from}, {to}) are not a range of positions");
    }

    /// <summary>Causal (query, key) pairs of query rows [from, to): Σ (t + 1) = (to(to+1) − from(from+1)) / 2.</summary>
    public static long CausalPairs(int from, int to) => ((long)to * (to + 1) - (long)from * (from + 1)) / 2;

    /// <summary>(query, key) pairs of query rows [from, to) under a sliding window of W keys: Σ min(t + 1, W).</summary>
    public static long WindowPairs(int from, int to, int window)
    {
        int full = Math.Clamp(window - 1, from, to); // rows [from, full) see t + 1 < W keys, rows [full, to) see W
        return CausalPairs(from, full) + (long)(to - full) * window;
    }
}
