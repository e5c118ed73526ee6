using System.Text.Json;
using LongRopeSearch.Cluster.Workers;

namespace LongRopeSearch.Cluster.Evaluations;

/// <summary>
/// One candidate evaluation as it travels to a worker: which job/stage/candidate, the factor set (λ per rotary pair,
/// n̂, attention factor; <see cref="FactorKey"/> is its canonical identity), the length, the early-abandon threshold
/// frozen for the candidate's generation (null: score every sample), and the numerics signature it must be
/// evaluated under. Carried as System.Text.Json text, whose doubles round-trip exactly, so the worker sees the
/// coordinator's bits.
/// </summary>
public sealed record EvaluationRequest(
    string JobId,
    string Stage,
    long CandidateId,
    string FactorKey,
    double[] Lambda,   // [rotary pairs]
    int NHat,
    double AttentionFactor,
    int Length,
    AbandonThreshold? Abandon,
    NumericsSignature Signature)
{
    /// <summary>"job/stage/candidate", as a worker's busy-on column and logs show it.</summary>
    public string Label => $"{JobId}/{Stage}/{CandidateId}";

    public string ToJson() => JsonSerializer.Serialize(this);

    public static EvaluationRequest FromJson(string json) =>
        JsonSerializer.Deserialize<EvaluationRequest>(json) ?? throw new JsonException("evaluation request: null");
}

/// <summary>The generation's frozen early-abandon rule: the threshold candidate's per-sample NLLs, margin, minimum samples.</summary>
public sealed record AbandonThreshold(
    long CandidateId,
    double[] PerSampleNll,  // [samples of the stage]
    double Margin,
    int MinSamples);

/// <summary>What a worker's evaluator returns (the engine's score).</summary>
public sealed record EvaluationResult(
    double[] PerSampleNll,  // [samples scored]: all of the stage's, or fewer when abandoned
    double MeanNll,
    bool Abandoned,
    double Seconds);

/// <summary>A finished evaluation as stored (one row per job, stage and candidate).</summary>
public sealed record EvaluationRecord(
    string JobId, string Stage, long CandidateId, string FactorKey,
    double[] PerSampleNll,  // [samples scored]
    double MeanNll, bool Abandoned, double Seconds, string WorkerId, DateTime FinishedAt);

/// <summary>An evaluation whose attempts were exhausted.</summary>
public sealed record EvaluationFailure(string JobId, string Stage, long CandidateId, int Attempts, string Error, string? WorkerId, DateTime FailedAt);
