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
    PerplexityEvaluator engine, EngineCandidateEvaluator searchSet, RopeGeometry geometry, string validationPath, int validationSamples,
    ModelConfig config, ILogger log)
{
    public ModelConfig Config => config;

    public StageValidation Validate(StageResult stage, CancellationToken ct)
    {
        int length = stage.Stage.Length;
        var validation = SampleSet.Load(validationPath, length, validationSamples, config);
        var search = searchSet.SamplesAt(length);
        var methods = new List<(string Name, FactorSet Factors)> { ("longrope (searched)", stage.Best.Candidate.Factors), ("none", FactorSet.Identity(geometry.Pairs)) };
        foreach (var b in Baselines.All(geometry, Math.Max(1.0, stage.Stage.Scale)))
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
            var onSearch = engine.Evaluate(search, factors, null, ct);
            var onValidation = engine.Evaluate(validation, factors, null, ct);
            log.LogInformation("{Stage} {Method}: search ppl {SearchPpl:F4}, validation ppl {ValPpl:F4}", stage.Stage.Name, name, onSearch.Ppl, onValidation.Ppl);
            table.Rows.Add(new MethodScore
            {
                Method = name,
                Lambda = factors.Lambda.ToArray(),
                NHat = factors.NHat,
                AttentionFactor = factors.AttentionFactor,
                SearchNll = onSearch.MeanNll,
                SearchPpl = onSearch.Ppl,
                ValidationNll = onValidation.MeanNll,
                ValidationPpl = onValidation.Ppl,
                ValidationPerSampleNll = onValidation.PerSampleNll,
            });
        }
        return table;
    }
}
