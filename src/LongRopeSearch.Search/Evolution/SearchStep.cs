using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>
/// An evaluation the search wants: score <see cref="Candidate"/>'s factors at <see cref="Length"/> tokens, offering
/// <see cref="Abandon"/> to the evaluator (null: evaluate every sample). Every step of one generation carries the
/// same rule object, frozen when the generation started.
/// </summary>
public sealed record SearchStep(int StageIndex, FactorKind Kind, int Length, Candidate Candidate, AbandonRule? Abandon)
{
    /// <summary>
    /// The stage's prefix step ends (positions, the last L − 1) when its space turns prefix-first abandon on: the
    /// evaluator scores each sample in these steps, offers each to <see cref="AbandonRule.ShouldContinueAfterStep"/>,
    /// and returns the prefix sums with the score, also when there is no rule (generation 0), since a later generation's
    /// threshold is compared by them. Null: whole-sequence passes.
    /// </summary>
    public int[]? PrefixEnds { get; init; }

    /// <summary>
    /// Successive halving's continuation: the step sums (at the evaluator's ends) of the samples this candidate's screen
    /// completed, [samples screened][steps]. An evaluator that can resume continues after them (same bits as one
    /// uninterrupted evaluation); any other evaluator may score every sample again. Null: start at sample 0.
    /// </summary>
    public IReadOnlyList<double[]>? CompletedSamples { get; init; }

    /// <summary>
    /// True for successive halving's second round: this candidate was screened in the same generation and is now
    /// evaluated on its remaining samples. A host that stores one result per candidate and round tells them apart by it.
    /// </summary>
    public bool Continuation { get; init; }
}
