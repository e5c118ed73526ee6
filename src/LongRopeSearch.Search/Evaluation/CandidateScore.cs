namespace LongRopeSearch.Search;

/// <summary>
/// The fitness of one factor set at one length: the mean negative log-likelihood (nats per token) of each sample,
/// in the evaluator's fixed sample order, and their mean. An abandoned evaluation holds only the samples done.
/// </summary>
/// <param name="PerSampleNll">[samples done] mean NLL of each sample, in sample order.</param>
/// <param name="MeanNll">The score that ranks candidates (lower is better); a non-finite value ranks last among full evaluations.</param>
/// <param name="Abandoned">True when the evaluator stopped early because the <see cref="AbandonRule"/> said so.</param>
/// <param name="Seconds">Wall time of the evaluation, for rates and ETA only (never for decisions).</param>
public sealed record CandidateScore(double[] PerSampleNll, double MeanNll, bool Abandoned, double Seconds)
{
    /// <summary>A score whose mean is the plain mean of <paramref name="perSampleNll"/>.</summary>
    public static CandidateScore FromSamples(double[] perSampleNll, bool abandoned = false, double seconds = 0)
    {
        ArgumentNullException.ThrowIfNull(perSampleNll);
        double sum = 0;
        foreach (var v in perSampleNll) sum += v;
        return new CandidateScore(perSampleNll, perSampleNll.Length == 0 ? double.NaN : sum / perSampleNll.Length, abandoned, seconds);
    }

    /// <summary>exp(mean NLL).</summary>
    public double Perplexity => Math.Exp(MeanNll);

    /// <summary>The ranking value: non-finite means become +∞ so they sort after every finite score.</summary>
    internal double RankValue => double.IsFinite(MeanNll) ? MeanNll : double.PositiveInfinity;
}
