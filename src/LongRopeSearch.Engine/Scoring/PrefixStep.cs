namespace LongRopeSearch.Engine;

/// <summary>
/// Where a prefix-step evaluation (<see cref="PerplexityScorer.EvaluateInPrefixSteps"/>) stands after one step:
/// what an abandon rule needs to compare this candidate with another over the same positions of the same samples.
/// Samples run in order; each is evaluated up to each step end in turn.
/// </summary>
/// <param name="Sample">Index of the sample this step advanced.</param>
/// <param name="Step">Index of the step end reached in <see cref="EvalResult.PrefixEnds"/>.</param>
/// <param name="Position">Positions of that sample done: nll[t] for t &lt; Position is in its sum.</param>
/// <param name="Positions">Positions of a sample: L − 1 (Position == Positions: the sample is complete).</param>
/// <param name="SamplesDone">Complete samples, this one included when it just completed.</param>
/// <param name="SampleCount">Samples of the full evaluation.</param>
/// <param name="NllSums">For each sample started (Sample + 1 of them): Σ nll[t] over its positions done, summed in
/// position order. Valid during the callback only (copy to keep).</param>
/// <param name="Counts">For each sample started: its positions done (Positions for complete samples).</param>
/// <param name="Deferred">True when the step is replayed after the sample's whole-sequence pass (prefix stepping
/// unavailable, <see cref="EvalResult.PrefixFallback"/>): the numbers are the same, but stopping now saves only the
/// samples after this one.</param>
public sealed record PrefixStep(int Sample, int Step, int Position, int Positions, int SamplesDone, int SampleCount,
    IReadOnlyList<double> NllSums, IReadOnlyList<int> Counts, bool Deferred)
{
    /// <summary>This sample's mean NLL over its positions done.</summary>
    public double SampleMeanSoFar => NllSums[Sample] / Counts[Sample];
}
