using System.Text.Json.Serialization;

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

    /// <summary>
    /// Prefix-step evaluations only: the stage's step ends (positions, the last L − 1) the sums below were taken at.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int[]? PrefixEnds { get; init; }

    /// <summary>
    /// Prefix-step evaluations only: for each sample started, its NLL sum over positions &lt; PrefixEnds[k] for each
    /// step k reached (the last sample's list is shorter when the evaluation stopped inside it). A full evaluation's
    /// sums are what the <see cref="AbandonRule"/> of a later generation compares prefixes with.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double[][]? PrefixNllSums { get; init; }

    /// <summary>Token rows pushed through the model by this evaluation (0 when the evaluator does not say).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public long Tokens { get; init; }

    /// <summary>Attention-weighted FLOPs of this evaluation (the engine's ForwardCost; 0 when the evaluator does not say).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public double Flops { get; init; }

    /// <summary>exp(mean NLL).</summary>
    public double Perplexity => Math.Exp(MeanNll);

    /// <summary>The ranking value: non-finite means become +∞ so they sort after every finite score.</summary>
    internal double RankValue => double.IsFinite(MeanNll) ? MeanNll : double.PositiveInfinity;
}
