using System.Text.Json;
using System.Text.Json.Serialization;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Search;

namespace LongRopeSearch.Cluster.Evaluations;

/// <summary>
/// One candidate evaluation as it travels to a worker: which job/stage/candidate, the factor set (λ per rotary pair,
/// n̂, attention factor; <see cref="FactorKey"/> is its canonical identity), the length, the stage's prefix step ends
/// (<see cref="PrefixEnds"/>), the early-abandon threshold frozen for the candidate's generation (null: score every
/// sample), and the numerics signature it must be evaluated under: everything the in-process evaluator takes from a
/// SearchStep. Carried as System.Text.Json text, whose doubles are written in their shortest round-trip form and
/// read back to the same bits (NaN and ±Infinity as named literals), so the worker sees the coordinator's bits.
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
    /// <summary>
    /// The stage's prefix step ends (positions, the last L − 1) when its space turns prefix-first abandon on: each
    /// sample is scored in these steps. Null: one step per sample (the whole-sequence pass's bits).
    /// </summary>
    public int[]? PrefixEnds { get; init; }

    /// <summary>
    /// Successive halving's second round: the step sums of the samples the candidate's screen completed,
    /// [samples screened][steps]; the worker continues after them. Null: start at sample 0.
    /// </summary>
    public double[][]? CompletedSamples { get; init; }

    /// <summary>"job/stage/candidate", as a worker's busy-on column and logs show it.</summary>
    public string Label => $"{JobId}/{Stage}/{CandidateId}";

    // A threshold may be non-finite (a generation whose earlier candidates diverged): named literals, not an exception.
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    public static EvaluationRequest FromJson(string json) =>
        JsonSerializer.Deserialize<EvaluationRequest>(json, Json) ?? throw new JsonException("evaluation request: null");
}

/// <summary>
/// The generation's frozen early-abandon rule (<see cref="AbandonRule"/>): the threshold candidate's per-sample NLLs,
/// margin, minimum samples and, when the rule also compares prefixes, the step ends it was recorded at, the
/// threshold's NLL sum at each of them for each sample, and the prefix margin (all null / 0 otherwise).
/// </summary>
public sealed record AbandonThreshold(
    long CandidateId,
    double[] PerSampleNll,  // [samples of the stage]
    double Margin,
    int MinSamples,
    int[]? PrefixEnds = null,             // [steps]
    double[][]? PrefixNllSums = null,     // [samples][steps]
    double PrefixMargin = 0,
    int? SampleLimit = null);              // successive halving's screen: stop after this many samples

/// <summary>A finished evaluation as stored (one row per job, stage and candidate): the worker's score, every member of it.</summary>
public sealed record EvaluationRecord(
    string JobId, string Stage, long CandidateId, string FactorKey, CandidateScore Score, string WorkerId, DateTime FinishedAt);

/// <summary>An evaluation whose attempts were exhausted.</summary>
public sealed record EvaluationFailure(string JobId, string Stage, long CandidateId, int Attempts, string Error, string? WorkerId, DateTime FailedAt);
