namespace LongRopeSearch.Search;

/// <summary>
/// Early abandon: stop evaluating a candidate that is already clearly too bad to become a parent.
/// <para>
/// One rule per generation, frozen when the generation starts: the threshold candidate T is the
/// <see cref="EvolutionSettings.Parents"/>-th best full evaluation of the previous generations, i.e. the worst parent
/// of the generation being evaluated (or the r-th best, r = <see cref="EarlyAbandonSettings.ThresholdRank"/>, when a
/// space asks for a stricter cut). Every candidate of the generation is offered the same rule, so which candidates
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
    private readonly int[]? _ends;          // [steps] prefix step ends (positions), the last L − 1; null: no prefix rule
    private readonly double[][]? _prefix;   // [samples][steps] T's NLL sum over positions < _ends[step]

    public AbandonRule(long thresholdCandidateId, IReadOnlyList<double> thresholdPerSampleNll, double margin, int minSamples)
        : this(thresholdCandidateId, thresholdPerSampleNll, margin, minSamples, null, null, 0)
    {
    }

    /// <summary>
    /// A rule that also compares prefixes: <paramref name="prefixEnds"/> are the stage's step ends (the last L − 1),
    /// <paramref name="thresholdPrefixSums"/> T's NLL sum at each of them for each sample (recorded when T was
    /// evaluated in the same steps), <paramref name="prefixMargin"/> the nats allowed over the positions done.
    /// </summary>
    public AbandonRule(long thresholdCandidateId, IReadOnlyList<double> thresholdPerSampleNll, double margin, int minSamples,
        IReadOnlyList<int>? prefixEnds, IReadOnlyList<double[]>? thresholdPrefixSums, double prefixMargin)
    {
        ArgumentNullException.ThrowIfNull(thresholdPerSampleNll);
        ArgumentOutOfRangeException.ThrowIfLessThan(minSamples, 1);
        if (!(double.IsFinite(margin) && margin >= 0)) throw new ArgumentOutOfRangeException(nameof(margin), "margin must be finite and ≥ 0");
        ThresholdCandidateId = thresholdCandidateId;
        _threshold = thresholdPerSampleNll.ToArray();
        Margin = margin;
        MinSamples = minSamples;
        if (prefixEnds is not null && thresholdPrefixSums is not null)
        {
            if (!(double.IsFinite(prefixMargin) && prefixMargin >= 0)) throw new ArgumentOutOfRangeException(nameof(prefixMargin), "margin must be finite and ≥ 0");
            if (thresholdPrefixSums.Count != _threshold.Length || thresholdPrefixSums.Any(a => a is null || a.Length != prefixEnds.Count))
                throw new ArgumentException($"the threshold's prefix sums must hold {prefixEnds.Count} steps for each of {_threshold.Length} samples", nameof(thresholdPrefixSums));
            _ends = prefixEnds.ToArray();
            _prefix = thresholdPrefixSums.Select(a => (double[])a.Clone()).ToArray();
            PrefixMargin = prefixMargin;
        }
    }

    /// <summary>
    /// Successive halving's screen (<see cref="ScreenSettings"/>): stop after this many complete samples whatever the
    /// NLLs (null: no limit). The searcher offers this copy of the generation's rule while it screens.
    /// </summary>
    public int? SampleLimit { get; private init; }

    /// <summary>This rule, also stopping after <paramref name="samples"/> complete samples (1 ≤ samples &lt; K).</summary>
    public AbandonRule WithSampleLimit(int samples)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(samples, Samples);
        return new AbandonRule(ThresholdCandidateId, _threshold, Margin, MinSamples, _ends, _prefix, PrefixMargin) { SampleLimit = samples };
    }

    /// <summary>True when the rule also compares prefixes of a sample (<see cref="ShouldContinueAfterStep"/>).</summary>
    public bool HasPrefixRule => _ends is not null;

    /// <summary>The prefix step ends the threshold was recorded at (the last L − 1), or null.</summary>
    public IReadOnlyList<int>? PrefixEnds => _ends;

    /// <summary>T's NLL sum at each of <see cref="PrefixEnds"/> for each sample, [samples][steps], or null.</summary>
    public IReadOnlyList<IReadOnlyList<double>>? ThresholdPrefixNllSums => _prefix;

    /// <summary>Nats of mean NLL over the positions done that a prefix may exceed the threshold's by.</summary>
    public double PrefixMargin { get; }

    /// <summary>
    /// Called by a prefix-step evaluator after each step (sample <paramref name="sample"/>, step index
    /// <paramref name="step"/> of the stage's ends): false means stop now. When the step completes the sample this is
    /// exactly <see cref="ShouldContinue"/> with each complete sample's NLL (its sum ÷ positions). Inside a sample,
    /// with a prefix rule: stop when the candidate's NLL summed over every position done (the complete samples and
    /// this sample's prefix) exceeds T's over the same positions by more than <see cref="PrefixMargin"/> per position,
    /// or the prefix's sum is not finite. Without a prefix rule, or at ends the rule was not recorded at, continue.
    /// </summary>
    /// <param name="sums">[≥ sample + 1] each started sample's NLL sum over its positions done, in position order.</param>
    /// <param name="counts">[≥ sample + 1] positions done of each started sample.</param>
    /// <param name="positions">L − 1: a sample is complete when its count reaches it.</param>
    public bool ShouldContinueAfterStep(int sample, int step, int positions, IReadOnlyList<double> sums, IReadOnlyList<int> counts)
    {
        ArgumentNullException.ThrowIfNull(sums);
        ArgumentNullException.ThrowIfNull(counts);
        int done = counts[sample];
        if (done == positions)
        {
            var perSample = new double[sample + 1];  // the scorer's per-sample NLL: sum ÷ (L − 1), same bits
            for (int j = 0; j <= sample; j++) perSample[j] = sums[j] / counts[j];
            return ShouldContinue(sample + 1, perSample);
        }
        if (_ends is null || _prefix is null || _ends[^1] != positions || step < 0 || step >= _ends.Length || _ends[step] != done) return true;
        double candidate = sums[sample];
        if (!double.IsFinite(candidate)) return false;
        double excess = candidate - _prefix[sample][step];
        long tokens = done;
        for (int j = 0; j < sample; j++)
        {
            excess += sums[j] - _prefix[j][^1];
            tokens += counts[j];
        }
        return !(excess > PrefixMargin * tokens);
    }

    /// <summary>
    /// True when an abandoned <paramref name="score"/> stopped where this rule says stop: after its last prefix step
    /// (when it carries prefix sums) or after its last complete sample. Used to refuse a result or checkpoint that
    /// abandons where the generation's rule continues.
    /// </summary>
    public bool Stops(CandidateScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        if (score.PrefixNllSums is { Length: > 0 } p && score.PrefixEnds is { Length: > 0 } ends)
        {
            int i = p.Length - 1, k = p[i].Length - 1, positions = ends[^1];
            if (k < 0 || k >= ends.Length) return false;
            var sums = p.Select(a => a.Length > 0 ? a[^1] : double.NaN).ToArray();
            var counts = p.Select((a, j) => j < i ? positions : ends[k]).ToArray();
            return !ShouldContinueAfterStep(i, k, positions, sums, counts);
        }
        return score.PerSampleNll.Length >= 1 && !ShouldContinue(score.PerSampleNll.Length, score.PerSampleNll);
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
        if (samplesDone >= Samples) return true;
        if (SampleLimit is { } limit && samplesDone >= limit) return false;
        if (samplesDone < MinSamples) return true;
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
