namespace LongRopeSearch.Search;

/// <summary>
/// Early abandon: stop evaluating a candidate that is already clearly too bad to become a parent.
/// <para>
/// One rule per generation, frozen when the generation starts: the threshold candidate T is the
/// <see cref="EvolutionSettings.Parents"/>-th best full evaluation of the previous generations, i.e. the worst parent
/// of the generation being evaluated. Every candidate of the generation is offered the same rule, so which candidates
/// are abandoned does not depend on the order in which evaluations finish (they may run in parallel, on several
/// machines). The parent cut only ever improves, so a candidate clearly worse than T cannot become a parent. No rule
/// exists while fewer than Parents full evaluations precede the generation, so generation 0 is never abandoned.
/// </para>
/// <para>
/// Rule: after k of K samples, with <c>MinSamples ≤ k &lt; K</c>, abandon when
/// <c>(1/k)·Σ_{j&lt;k} (nll_j − T.nll_j) &gt; Margin</c>, i.e. the candidate's mean NLL over the first k samples
/// exceeds T's mean NLL over the SAME k samples by more than Margin nats. Comparing sample-aligned sums matters
/// because samples differ in difficulty far more than candidates differ from one another: a hard first sample
/// raises every candidate's NLL alike and cancels out of the difference. A non-finite sample NLL (a diverged
/// forward pass) abandons at once, within the same window. Never before <c>MinSamples</c> (≥ 1) samples, and never
/// after the last sample (the evaluation is then complete and costs nothing more to keep).
/// </para>
/// <para>
/// The default margin, 0.05 nats, is a perplexity ratio of e^0.05 ≈ 1.051: the candidate is more than 5% worse
/// than the worst surviving parent on the very texts seen so far. Candidates near the parent cut differ by far
/// less (a few tenths of a percent to a few percent), so this abandons only clear losers; it is a conservative
/// choice that saves evaluations on the many bad mutations without risking a would-be parent. An abandoned
/// candidate ranks below every full evaluation and is never a parent; its key stays in the evaluated cache.
/// </para>
/// </summary>
public sealed class AbandonRule
{
    /// <summary>Default margin in nats of mean NLL.</summary>
    public const double DefaultMargin = 0.05;

    private readonly double[] _threshold;  // [samples] T's per-sample NLL

    public AbandonRule(long thresholdCandidateId, IReadOnlyList<double> thresholdPerSampleNll, double margin, int minSamples)
    {
        ArgumentNullException.ThrowIfNull(thresholdPerSampleNll);
        ArgumentOutOfRangeException.ThrowIfLessThan(minSamples, 1);
        if (!(double.IsFinite(margin) && margin >= 0)) throw new ArgumentOutOfRangeException(nameof(margin), "margin must be finite and ≥ 0");
        ThresholdCandidateId = thresholdCandidateId;
        _threshold = thresholdPerSampleNll.ToArray();
        Margin = margin;
        MinSamples = minSamples;
    }

    /// <summary>The candidate whose per-sample NLLs are the threshold.</summary>
    public long ThresholdCandidateId { get; }

    /// <summary>T's per-sample NLL, [samples].</summary>
    public IReadOnlyList<double> ThresholdPerSampleNll => _threshold;

    /// <summary>K: samples of a full evaluation.</summary>
    public int Samples => _threshold.Length;

    public double Margin { get; }
    public int MinSamples { get; }

    /// <summary>
    /// Called by the evaluator after each sample: false means stop now and report the samples done as abandoned.
    /// </summary>
    /// <param name="samplesDone">k, the number of samples finished (1-based count).</param>
    /// <param name="perSampleNllSoFar">[≥ k] NLL of the samples finished, in sample order; only the first k are read.</param>
    public bool ShouldContinue(int samplesDone, IReadOnlyList<double> perSampleNllSoFar)
    {
        ArgumentNullException.ThrowIfNull(perSampleNllSoFar);
        if (samplesDone < MinSamples || samplesDone >= Samples) return true;
        if (perSampleNllSoFar.Count < samplesDone)
            throw new ArgumentException($"{samplesDone} samples done but only {perSampleNllSoFar.Count} NLLs given", nameof(perSampleNllSoFar));
        double excess = 0;
        for (int j = 0; j < samplesDone; j++)
        {
            var v = perSampleNllSoFar[j];
            if (!double.IsFinite(v)) return false;
            excess += v - _threshold[j];
        }
        return !(excess > Margin * samplesDone);
    }
}
