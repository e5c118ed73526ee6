namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// Log-softmax that keeps only what perplexity needs: nll = logsumexp(logits) − logits[target], one row of logits at a
/// time (the caller computes logits for a block of rows, never [L, vocab]).
/// </summary>
internal static unsafe class TokenNll
{
    /// <summary>
    /// NLL of <paramref name="target"/> under the row; the row is overwritten (exp values). The sum follows the
    /// <see cref="LaneOrder"/> and the log is <see cref="FixedLog"/>: the same bits at every level and on every machine.
    /// </summary>
    public static double OfRow(SimdLevel level, float* logits, int vocab, int target)
    {
        float targetLogit = logits[target];
        float max = ExpSum.Max(level, logits, vocab);
        float sum = ExpSum.ExpShiftInPlace(level, logits, vocab, max);
        return FixedLog.Log(sum) + max - targetLogit;
    }
}
