using System.Text.Json;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Jobs;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;

namespace LongRopeSearch.Cluster.Integration;

/// <summary>
/// A job as the cluster stores it (longrope.jobs.spec): the job spec with absolute paths (the output directory is
/// the job's shared directory, where its checkpoint lives and every coordinator can reach it) and the numerics
/// signature its evaluations need (engine numerics version with the SIMD level, model fingerprint).
/// </summary>
public sealed record ClusterJobSpec(JobSpec Spec, NumericsSignature Signature)
{
    public string ToJson() => JsonSerializer.Serialize(this);

    public static ClusterJobSpec FromJson(string json) =>
        JsonSerializer.Deserialize<ClusterJobSpec>(json) ?? throw new JsonException("cluster job spec: null");

    /// <summary>The numerics version a machine's results depend on: the engine's numerics version and its SIMD level.</summary>
    public static string LocalNumericsVersion => $"{JobFingerprint.NumericsVersion}/{WorkerIdentity.DetectSimd()}";

    /// <summary>The signature of a job whose model is <paramref name="modelDir"/>, evaluated with this machine's numerics.</summary>
    public static NumericsSignature SignatureFor(string modelDir) => new(LocalNumericsVersion, JobFingerprint.OfModel(modelDir));
}

/// <summary>
/// Search steps to work items and back, with the exact doubles of the factor set and of the frozen abandon rule
/// (per-sample threshold and, for prefix-first abandon, the threshold's prefix sums), and the stage's prefix step ends:
/// a worker evaluates exactly the step the in-process evaluator would.
/// </summary>
public static class StepCodec
{
    /// <summary>
    /// A stage's name in the evaluations table: kind and length ("long-2048"), unique within a job; successive
    /// halving's second round is a stage of its own ("long-2048+continued"), so a screened candidate's two results are
    /// two rows.
    /// </summary>
    public static string StageName(SearchStep step) =>
        $"{(step.Kind == FactorKind.Short ? "short" : "long")}-{step.Length}{(step.Continuation ? ContinuedSuffix : "")}";

    public const string ContinuedSuffix = "+continued";

    public static EvaluationRequest ToRequest(string jobId, SearchStep step, NumericsSignature signature)
    {
        var f = step.Candidate.Factors;
        return new EvaluationRequest(jobId, StageName(step), step.Candidate.Id, f.Key, [.. f.Lambda], f.NHat, f.AttentionFactor, step.Length,
            step.Abandon is { } a ? Threshold(a) : null, signature)
        {
            PrefixEnds = (int[]?)step.PrefixEnds?.Clone(),
            CompletedSamples = step.CompletedSamples?.Select(a => (double[])a.Clone()).ToArray(),
        };
    }

    private static AbandonThreshold Threshold(AbandonRule a) =>
        new(a.ThresholdCandidateId, [.. a.ThresholdPerSampleNll], a.Margin, a.MinSamples,
            a.PrefixEnds is { } ends ? [.. ends] : null,
            a.ThresholdPrefixNllSums?.Select(s => s.ToArray()).ToArray(),
            a.PrefixMargin,
            a.SampleLimit);

    public static FactorSet Factors(EvaluationRequest r) => new(r.Lambda, r.NHat, r.AttentionFactor, r.Label);

    public static AbandonRule? Rule(EvaluationRequest r)
    {
        if (r.Abandon is not { } a) return null;
        var rule = new AbandonRule(a.CandidateId, a.PerSampleNll, a.Margin, a.MinSamples, a.PrefixEnds, a.PrefixNllSums, a.PrefixMargin);
        return a.SampleLimit is { } limit ? rule.WithSampleLimit(limit) : rule;
    }
}
