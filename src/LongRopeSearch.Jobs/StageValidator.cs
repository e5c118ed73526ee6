using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Judges a finished stage honestly: the searched factors, the unmodified model and every classic method (with its
/// own attention factor, exactly as an inference stack would run it) scored on the search samples and on the
/// validation samples, which the search never saw.
/// </summary>
internal sealed class StageValidator(
    PerplexityScorer scorer, EngineCandidateEvaluator searchSet, RopeGeometry geometry, string validationPath, int validationSamples,
    ModelConfig config, ILogger log)
{
    private const string SearchedMethod = "longrope (searched)";

    public ModelConfig Config => config;

    public StageValidation Validate(StageResult stage, CancellationToken ct)
    {
        int length = stage.Stage.Length;
        var validation = SampleSet.Load(validationPath, length, validationSamples, searchSet.Tokenizer);
        var search = searchSet.SamplesAt(length);
        var methods = new List<(string Name, FactorSet Factors)> { (SearchedMethod, stage.Best.Candidate.Factors) };
        foreach (var b in Baselines.WithIdentity(geometry, Math.Max(1.0, stage.Stage.Scale)))
            if (!methods.Any(m => m.Factors.Equals(b.Factors))) methods.Add(b);

        var table = new StageValidation
        {
            Stage = stage.Stage.Name,
            Kind = stage.Stage.Kind == StageKind.Short ? "short" : "long",
            Length = length,
            SearchSamples = search.Samples.Count,
            ValidationSamples = validation.Samples.Count,
        };
        foreach (var (name, factors) in methods)
        {
            // The searched set's search-sample score is the stage's best score: the same tokens through the same
            // deterministic forward pass, so scoring it again would only repeat the work.
            var searchNll = name == SearchedMethod ? stage.Best.Score.MeanNll : scorer.Evaluate(search, factors, null, ct).MeanNll;
            var onValidation = scorer.Evaluate(validation, factors, null, ct);
            log.LogInformation("{Stage} {Method}: search ppl {SearchPpl:F4}, validation ppl {ValPpl:F4}", stage.Stage.Name, name, Math.Exp(searchNll), onValidation.Ppl);
            table.Rows.Add(new MethodScore
            {
                Method = name,
                Lambda = factors.Lambda.ToArray(),
                NHat = factors.NHat,
                AttentionFactor = factors.AttentionFactor,
                SearchNll = searchNll,
                SearchPpl = Math.Exp(searchNll),
                ValidationNll = onValidation.MeanNll,
                ValidationPpl = onValidation.Ppl,
                ValidationPerSampleNll = onValidation.PerSampleNll,
            });
        }
        return table;
    }
}
