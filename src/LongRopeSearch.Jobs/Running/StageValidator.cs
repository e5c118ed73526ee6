using LongRopeSearch.Engine;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using LongRopeSearch.Store.Validation;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Judges a finished stage honestly: the searched factors, the unmodified model and every classic method (with its
/// own attention factor, exactly as an inference stack would run it) scored on the search samples and on the
/// validation samples, which the search never saw.
/// </summary>
internal sealed class StageValidator(PerplexityScorer scorer, JobSamples samples, RopeGeometry geometry, ILogger log)
{
    private const string SearchedMethod = "longrope (searched)";

    public ValidationTable Validate(StageResult stage, CancellationToken ct)
    {
        int length = stage.Stage.Length;
        var validation = samples.Validation(length, stage.Stage.Name);
        var search = samples.Search(length, stage.Stage.Name);
        var methods = new List<(string Name, FactorSet Factors)> { (SearchedMethod, stage.Best.Candidate.Factors) };
        foreach (var b in Baselines.WithIdentity(geometry, Math.Max(1.0, stage.Stage.Scale)))
            if (!methods.Any(m => m.Factors.Equals(b.Factors))) methods.Add(b);

        var rows = new List<ValidationRow>();
        foreach (var (name, factors) in methods)
        {
            // The searched set's search-sample score is the stage's best score: the same tokens through the same
            // deterministic forward pass, so scoring it again would only repeat the work.
            var searchNll = name == SearchedMethod ? stage.Best.Score.MeanNll : scorer.Evaluate(search, factors, null, ct).MeanNll;
            var onValidation = scorer.Evaluate(validation, factors, null, ct);
            log.LogInformation("{Stage} {Method}: search ppl {SearchPpl:F4}, validation ppl {ValPpl:F4}", stage.Stage.Name, name, Math.Exp(searchNll), onValidation.Ppl);
            rows.Add(new ValidationRow(name, factors.Lambda.ToArray(), factors.NHat, factors.AttentionFactor,
                searchNll, Math.Exp(searchNll), onValidation.MeanNll, onValidation.Ppl, onValidation.PerSampleNll));
        }
        return new ValidationTable(stage.Stage.Name, stage.Stage.ToFactorKind(), length, search.Samples.Count, validation.Samples.Count, rows);
    }
}
