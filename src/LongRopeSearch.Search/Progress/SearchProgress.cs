using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>Where a progressive search stands, for progress bars and logs.</summary>
public sealed record SearchProgress
{
    public required int StageIndex { get; init; }
    public required int StageCount { get; init; }

    /// <summary>"target 4096" or "short 512".</summary>
    public required string StageName { get; init; }

    public required int Length { get; init; }

    /// <summary>The generation being evaluated, 0 (the initial population) to <see cref="Generations"/> − 1.</summary>
    public required int Generation { get; init; }

    /// <summary>Generations of the stage in all, the initial population included (the space's generations + 1).</summary>
    public required int Generations { get; init; }

    public required long StageEvaluationsDone { get; init; }
    public required long StageEvaluationsPlanned { get; init; }

    /// <summary>All stages.</summary>
    public required long EvaluationsDone { get; init; }

    /// <summary>All stages; later stages estimated as population + generations·(mutations + crossovers).</summary>
    public required long EvaluationsPlanned { get; init; }

    /// <summary>Best mean NLL of the current stage so far, results of the running generation included (null before its first full evaluation).</summary>
    public double? BestMeanNll { get; init; }

    public double? BestPerplexity => BestMeanNll is { } n ? Math.Exp(n) : null;

    /// <summary>All stages.</summary>
    public required long Abandoned { get; init; }

    /// <summary>All stages: samples skipped / samples per evaluation.</summary>
    public required double FullEvaluationsSaved { get; init; }

    /// <summary>Evaluations per second of evaluator time (null before any time was reported).</summary>
    public double? EvaluationsPerSecond { get; init; }

    /// <summary>Remaining planned evaluations at the average time per evaluation so far.</summary>
    public TimeSpan? Eta { get; init; }

    public required bool Finished { get; init; }
}

/// <summary>One evaluation as it happened: what the host writes to the history.</summary>
public sealed record EvaluationRecord(SearchStage Stage, Candidate Candidate, CandidateScore Score, AbandonRule? Abandon);

/// <summary>The outcome of one stage: the best, the surviving parents (best first) and the counters.</summary>
public sealed record StageResult(SearchStage Stage, EvaluatedCandidate Best, IReadOnlyList<EvaluatedCandidate> Top, SearchCounters Counters)
{
    /// <summary>
    /// The best full evaluation with n̂ = 0, which every inference stack can run (no stack keeps positions below n̂
    /// at the original angle). Null only when the stage evaluated no such candidate fully: the classic-method seeds
    /// all have n̂ = 0 and generation 0 is never abandoned, so it exists whenever 0 is among the space's n̂ choices.
    /// </summary>
    public EvaluatedCandidate? BestDeployable { get; init; }
}

/// <summary>The outcome of a whole plan, one result per stage in plan order.</summary>
public sealed record ProgressiveSearchResult(IReadOnlyList<StageResult> Stages)
{
    /// <summary>The best of the last long target (the long factors).</summary>
    public StageResult LongResult => Stages.Last(s => s.Stage.Kind == FactorKind.Long);

    /// <summary>The short stage's result, or null when the plan has none.</summary>
    public StageResult? ShortResult => Stages.FirstOrDefault(s => s.Stage.Kind == FactorKind.Short);
}
