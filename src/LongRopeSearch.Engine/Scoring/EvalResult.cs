namespace LongRopeSearch.Engine;

/// <summary>Perplexity of one factor set on one sample set (what <see cref="PerplexityScorer"/> returns).</summary>
/// <param name="Length">Tokens per sample (L).</param>
/// <param name="PerSampleNll">Mean NLL over the L−1 predictions of each evaluated sample, in sample order (complete samples only).</param>
/// <param name="MeanNll">Mean of the per-sample NLLs evaluated (all of them unless abandoned). A prefix-step evaluation
/// abandoned inside its first sample has no complete sample: then the mean over the positions it did.</param>
/// <param name="Abandoned">True when evaluation stopped early because the caller's control said so.</param>
public sealed record EvalResult(int Length, double[] PerSampleNll, double MeanNll, bool Abandoned, double Seconds)
{
    public double Ppl => Math.Exp(MeanNll);

    /// <summary>Prefix-step evaluations only: the step ends (positions) used, increasing, the last L − 1.</summary>
    public IReadOnlyList<int>? PrefixEnds { get; init; }

    /// <summary>
    /// Prefix-step evaluations only: for each sample started, Σ nll[t] over t &lt; PrefixEnds[k] for each step k
    /// it reached (summed in position order, so the last of a complete sample ÷ (L − 1) is its PerSampleNll, bit for
    /// bit). What a later candidate's prefix losses are compared with.
    /// </summary>
    public IReadOnlyList<double[]>? PrefixNllSums { get; init; }

    /// <summary>
    /// Prefix-step evaluations only: why the steps were replayed after whole-sequence passes instead of evaluated as
    /// prefixes (<see cref="PerplexityScorer.PrefixSteppingUnavailable"/>), or null when they were stepped.
    /// </summary>
    public string? PrefixFallback { get; init; }
}
