using System.Text.Json.Serialization;

namespace LongRopeSearch.Search;

/// <summary>What a search (one stage, or the sum of stages) has done so far. Part of the checkpoint.</summary>
public sealed record SearchCounters
{
    /// <summary>Evaluations reported, full and abandoned.</summary>
    public long Evaluations { get; init; }

    public long FullEvaluations { get; init; }
    public long Abandoned { get; init; }

    /// <summary>Samples actually scored.</summary>
    public long SamplesEvaluated { get; init; }

    /// <summary>Samples not scored thanks to early abandon (K − k for each abandoned candidate).</summary>
    public long SamplesSkipped { get; init; }

    /// <summary>SamplesSkipped / K: how many full evaluations early abandon saved.</summary>
    public double FullEvaluationsSaved { get; init; }

    /// <summary>Operator draws rejected because the genome was already evaluated or pending.</summary>
    public long DuplicateDraws { get; init; }

    /// <summary>Crossover draws rejected because λ was not monotone.</summary>
    public long NonMonotoneDraws { get; init; }

    /// <summary>Crossovers that found nothing new and fell back to a mutation of the first parent.</summary>
    public long CrossoverFallbacks { get; init; }

    /// <summary>Children given up because every draw was a duplicate (the space is nearly exhausted).</summary>
    public long ChildrenGivenUp { get; init; }

    /// <summary>Seeds dropped because they snapped onto an earlier seed.</summary>
    public long SeedDuplicates { get; init; }

    /// <summary>Sum of the evaluators' reported seconds.</summary>
    public double EvaluationSeconds { get; init; }

    /// <summary>Token rows the evaluations pushed through the model (as the evaluators report them; 0 when they do not).</summary>
    public long Tokens { get; init; }

    /// <summary>Attention-weighted FLOPs of the evaluations (as the evaluators report them).</summary>
    public double Flops { get; init; }

    /// <summary>
    /// Where the abandoned evaluations stopped (their counts add up to <see cref="Abandoned"/>); null when none was
    /// abandoned, and in checkpoints written before it was recorded.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public AbandonStopCollection? Stops { get; init; }

    public static SearchCounters operator +(SearchCounters a, SearchCounters b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        return new SearchCounters
        {
            Evaluations = a.Evaluations + b.Evaluations,
            FullEvaluations = a.FullEvaluations + b.FullEvaluations,
            Abandoned = a.Abandoned + b.Abandoned,
            SamplesEvaluated = a.SamplesEvaluated + b.SamplesEvaluated,
            SamplesSkipped = a.SamplesSkipped + b.SamplesSkipped,
            FullEvaluationsSaved = a.FullEvaluationsSaved + b.FullEvaluationsSaved,
            DuplicateDraws = a.DuplicateDraws + b.DuplicateDraws,
            NonMonotoneDraws = a.NonMonotoneDraws + b.NonMonotoneDraws,
            CrossoverFallbacks = a.CrossoverFallbacks + b.CrossoverFallbacks,
            ChildrenGivenUp = a.ChildrenGivenUp + b.ChildrenGivenUp,
            SeedDuplicates = a.SeedDuplicates + b.SeedDuplicates,
            EvaluationSeconds = a.EvaluationSeconds + b.EvaluationSeconds,
            Tokens = a.Tokens + b.Tokens,
            Flops = a.Flops + b.Flops,
            Stops = AbandonStop.Merge(a.Stops, b.Stops),
        };
    }

    public static SearchCounters Add(SearchCounters a, SearchCounters b) => a + b;
}
