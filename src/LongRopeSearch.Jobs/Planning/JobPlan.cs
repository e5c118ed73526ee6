namespace LongRopeSearch.Jobs;

/// <summary>One generation of a stage as planned: its evaluations, the sample passes expected after abandon, and time.</summary>
public sealed record GenerationPlan(int Generation, int Evaluations, double ExpectedSamplePasses, double? Seconds, double? SecondsOnWorkers);

/// <summary>
/// The validation table made after a stage: every method (the searched set, its deployable twin — counted although it
/// is skipped when the best set is itself deployable —, the unscaled model and each distinct classic method) on the
/// validation samples at the stage's length and at L0, and the classic methods on the search samples.
/// </summary>
public sealed record ValidationPlan(int Methods, long PassesAtLength, long PassesAtOriginalLength, double Tokens, double Flops, double? Seconds)
{
    public double? CpuSeconds { get; init; }
}

/// <summary>
/// One stage of a plan. Evaluations are exact as the searcher runs them (<see cref="Search.StageBudget"/>); a
/// sample pass is one sample of <see cref="Length"/> tokens scored in prefix steps, rows [0, L − 1) (an evaluation is
/// <see cref="Samples"/> of them, fewer when abandoned; a stop after a prefix step counts the fraction of the sample's
/// rows done); "expected" applies the measured stops (<see cref="StageWorkModel.ExpectedChild"/>) to the children of
/// generations 1 … G (generation 0 is never abandoned).
/// </summary>
public sealed record StagePlan
{
    public required string Stage { get; init; }
    public required string Kind { get; init; }
    public required int Length { get; init; }
    public required double Scale { get; init; }
    public required int Population { get; init; }
    /// <summary>Generations after generation 0 the stage is expected to run (fewer than the space's when a flops_budget ends it).</summary>
    public required int Generations { get; init; }

    /// <summary>True when the space's flops_budget is expected to end the stage before its last generation.</summary>
    public bool BudgetEnds { get; init; }
    public required int ChildrenPerGeneration { get; init; }
    public required int Samples { get; init; }
    public required long PlannedEvaluations { get; init; }
    public required long PlannedSamplePasses { get; init; }

    /// <summary>The prefix-first abandon steps (fractions of a sample's positions), or null when the stage has none.</summary>
    public double[]? PrefixFractions { get; init; }

    /// <summary>Fraction of the children's sample rows expected to be computed (1: no abandon).</summary>
    public required double SampleFraction { get; init; }

    /// <summary>Fraction of the children's FLOPs expected to be spent (1: no abandon): below <see cref="SampleFraction"/> when they stop after prefix steps, whose rows are the cheap ones.</summary>
    public required double FlopFraction { get; init; }

    /// <summary>Child evaluations expected to be abandoned (measured rate × children).</summary>
    public required double ExpectedAbandoned { get; init; }
    public required string AbandonSource { get; init; }
    public required double ExpectedSamplePasses { get; init; }

    /// <summary>Expected sample passes / samples: the work in whole evaluations.</summary>
    public double ExpectedFullEvaluations => ExpectedSamplePasses / Samples;
    public required double PlannedTokens { get; init; }
    public required double ExpectedTokens { get; init; }
    public required double FlopsPerSamplePass { get; init; }
    public required double PlannedFlops { get; init; }
    public required double ExpectedFlops { get; init; }

    /// <summary>Resident bytes while evaluating in prefix steps, every layer's K/V kept (<see cref="MemoryModel.SearchResidentBytes"/>), null without the engine.</summary>
    public long? MemoryBytes { get; init; }
    public long? ActivationBytes { get; init; }
    public long? CacheBytes { get; init; }

    /// <summary>
    /// The job's peak so far: the larger of <see cref="MemoryBytes"/> and the resident bytes at the end of the stage's
    /// validation (whole passes), when the layer-0 cache holds every sample scored since the job started (search,
    /// validation and L0 samples of this and the earlier stages) up to its budget. The job's own managed heap (search
    /// state, history, JSON) is not modelled.
    /// </summary>
    public long? PeakBytes { get; init; }
    public double? SecondsPerSamplePass { get; init; }

    /// <summary>Search seconds on one worker (this machine), validation not included.</summary>
    public double? Seconds { get; init; }

    /// <summary>Search seconds on the plan's workers: each generation split over them, waiting for the last (barrier).</summary>
    public double? SecondsOnWorkers { get; init; }
    /// <summary>Process CPU seconds of the search on one worker (<see cref="TimeModel.CpuSeconds"/>), validation not included.</summary>
    public double? CpuSeconds { get; init; }
    public required IReadOnlyList<GenerationPlan> PerGeneration { get; init; }
    public required ValidationPlan Validation { get; init; }
}

/// <summary>What `longrope plan` prints and writes (--json): the stages, the calibration and the assumptions.</summary>
public sealed record JobPlan
{
    public required string Model { get; init; }
    public required string Space { get; init; }
    public required int Workers { get; init; }
    public required IReadOnlyList<StagePlan> Stages { get; init; }
    public required string AbandonNote { get; init; }
    public TimeModel? Time { get; init; }
    public long? BaseBytes { get; init; }
    public long? WeightBytes { get; init; }
    public IReadOnlyList<string> Assumptions { get; init; } = [];

    public long PlannedEvaluations => Stages.Sum(s => s.PlannedEvaluations);
    public double ExpectedFlops => Stages.Sum(s => s.ExpectedFlops + s.Validation.Flops);
    public double? Seconds => Time is null ? null : Stages.Sum(s => s.Seconds!.Value + s.Validation.Seconds!.Value);
    public double? CpuSeconds => Time is null ? null : Stages.Sum(s => s.CpuSeconds!.Value + s.Validation.CpuSeconds!.Value);
    public double? SecondsOnWorkers => Time is null ? null : Stages.Sum(s => s.SecondsOnWorkers!.Value + s.Validation.Seconds!.Value);
}
