namespace LongRopeSearch.Search;

/// <summary>
/// The next evaluation the search wants: score <see cref="Candidate"/>'s factors at <see cref="Length"/> tokens,
/// offering <see cref="Abandon"/> to the evaluator (null: evaluate every sample).
/// </summary>
public sealed record SearchStep(int StageIndex, StageKind Kind, int Length, Candidate Candidate, AbandonRule? Abandon);
