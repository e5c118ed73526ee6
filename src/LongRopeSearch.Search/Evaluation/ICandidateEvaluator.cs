using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>
/// The fitness the host supplies (the engine's perplexity). Contract:
/// <list type="bullet">
/// <item>Score exactly <see cref="EvolutionSettings.Samples"/> samples of <paramref name="length"/> tokens, always the
/// same samples in the same order (the search compares candidates sample by sample), and be a pure function of
/// (factors, length): same inputs, same bits — exact resume depends on it.</item>
/// <item>When <paramref name="abandon"/> is not null, call <see cref="AbandonRule.ShouldContinue"/> after each sample
/// with the per-sample NLLs so far; when it returns false, stop and return those samples with Abandoned = true.</item>
/// <item>Honour <paramref name="ct"/> by throwing <see cref="OperationCanceledException"/>; the search state is then
/// unchanged and the same candidate is offered again.</item>
/// </list>
/// </summary>
public interface ICandidateEvaluator
{
    CandidateScore Evaluate(FactorSet factors, int length, AbandonRule? abandon, CancellationToken ct);

    /// <summary>
    /// Evaluates a search step. An evaluator that can score prefixes overrides this to follow
    /// <see cref="SearchStep.PrefixEnds"/> (calling <see cref="AbandonRule.ShouldContinueAfterStep"/> after each step
    /// and returning the prefix sums); the default scores whole samples with the per-sample rule.
    /// </summary>
    CandidateScore Evaluate(SearchStep step, CancellationToken ct) => Evaluate(step.Candidate.Factors, step.Length, step.Abandon, ct);
}
