using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>
/// An evaluation the search wants: score <see cref="Candidate"/>'s factors at <see cref="Length"/> tokens, offering
/// <see cref="Abandon"/> to the evaluator (null: evaluate every sample). Every step of one generation carries the
/// same rule object, frozen when the generation started.
/// </summary>
public sealed record SearchStep(int StageIndex, FactorKind Kind, int Length, Candidate Candidate, AbandonRule? Abandon);
