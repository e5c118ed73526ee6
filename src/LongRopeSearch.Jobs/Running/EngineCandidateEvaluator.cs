using System.Diagnostics;
using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;

namespace LongRopeSearch.Jobs;

/// <summary>
/// The search's fitness: perplexity of a factor set on the job's search samples at a given length, through the
/// engine. The samples come from <see cref="JobSamples"/>, loaded once per length, so every candidate of a target
/// is scored on exactly the same tokens in the same order (the search compares candidates sample by sample).
/// </summary>
/// <para>
/// A non-finite score (NaN/±Inf) is ranked last, as an abandoned candidate would be; the first one makes the
/// evaluator read the weights once (<paramref name="model"/>): a NaN or Inf stored in the checkpoint makes every
/// score meaningless, so the search stops there with an InputException naming the file and tensor.
/// </para>
public sealed class EngineCandidateEvaluator(PerplexityScorer engine, JobSamples samples, ModelFolder? model = null) : ICandidateEvaluator
{
    private bool _weightsChecked;

    /// <summary>Tokens scored so far (for rates).</summary>
    public long TokensScored { get; private set; }

    public CandidateScore Evaluate(FactorSet factors, int length, AbandonRule? abandon, CancellationToken ct)
    {
        var set = samples.Search(length, $"length {length}");
        var clock = Stopwatch.StartNew();
        var result = engine.Evaluate(set, factors, abandon is null ? null : abandon.ShouldContinue, ct);
        TokensScored += (long)length * result.PerSampleNll.Length;
        if (!_weightsChecked && model is not null && (!double.IsFinite(result.MeanNll) || !result.PerSampleNll.All(double.IsFinite)))
        {
            _weightsChecked = true;
            if (NonFiniteWeights.Find(model) is { } bad) throw bad.ToInputException();
        }
        return new CandidateScore(result.PerSampleNll, result.MeanNll, result.Abandoned, clock.Elapsed.TotalSeconds);
    }
}
