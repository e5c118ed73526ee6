using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using LongRopeSearch.Store.Validation;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Judges a finished stage honestly: the searched factors (the best overall, and the best deployable set with n̂ = 0
/// when that is another one: the one every inference stack can run), the unmodified model and every classic method
/// (with its own attention factor, exactly as an inference stack would run it), scored on the search samples and on
/// the validation samples, which the search never saw, at the stage's length and at L0; for a model with a published
/// rope_scaling, also that scaling at the stage's length (the "as published" row).
/// <para>
/// The L0 column is what a deployed model shows on short prompts: vLLM (with max_model_len above the switch point)
/// and llama.cpp (with a context above it) run the long factors and their attention factor at every length, so a
/// method's short-context cost is its factors' ppl at L0 against the unmodified model's ("none" row).
/// </para>
/// </summary>
internal sealed class StageValidator(PerplexityScorer scorer, JobSamples samples, RopeGeometry geometry, ILogger log, PublishedScaling? published = null)
{
    public ValidationTable Validate(StageResult stage, CancellationToken ct)
    {
        int length = stage.Stage.Length;
        int l0 = geometry.OriginalLength;
        var validation = samples.Validation(length, stage.Stage.Name);
        var search = samples.Search(length, stage.Stage.Name);
        var atL0 = SamplesAtL0(stage.Stage.Name, length, l0);

        // The searched sets' search-sample scores are the stage's own: the same tokens through the same deterministic
        // forward pass, so scoring them again would only repeat the work.
        var known = new Dictionary<string, double> { [ValidationRow.SearchedMethod] = stage.Best.Score.MeanNll };
        var methods = new List<(string Name, FactorSet Factors)> { (ValidationRow.SearchedMethod, stage.Best.Candidate.Factors) };
        if (stage.BestDeployable is { } deployable && !deployable.Candidate.Factors.Equals(stage.Best.Candidate.Factors))
        {
            methods.Add((ValidationRow.DeployableMethod, deployable.Candidate.Factors));
            known[ValidationRow.DeployableMethod] = deployable.Score.MeanNll;
        }
        foreach (var b in Baselines.WithIdentity(geometry, Math.Max(1.0, stage.Stage.Scale)))
            if (!methods.Any(m => m.Factors.Equals(b.Factors))) methods.Add(b);
        if (published is not null) methods.Add((published.Label, published.FactorsAt(length))); // the model as its config.json runs it

        var rows = new List<ValidationRow>();
        foreach (var (name, factors) in methods)
        {
            var searchNll = known.TryGetValue(name, out var nll) ? nll : scorer.Evaluate(search, factors, null, ct).MeanNll;
            var onValidation = scorer.Evaluate(validation, factors, null, ct);
            var onL0 = length == l0 ? onValidation : atL0 is null ? null : scorer.Evaluate(atL0, factors, null, ct);
            log.LogInformation("{Stage} {Method}: search ppl {SearchPpl:F4}, validation ppl {ValPpl:F4}, at L0 {L0Ppl:F4}",
                stage.Stage.Name, name, Math.Exp(searchNll), onValidation.Ppl, onL0?.Ppl ?? double.NaN);
            rows.Add(new ValidationRow(name, factors.Lambda.ToArray(), factors.NHat, factors.AttentionFactor,
                searchNll, Math.Exp(searchNll), onValidation.MeanNll, onValidation.Ppl, onValidation.PerSampleNll,
                onL0?.MeanNll, onL0?.Ppl));
        }
        return new ValidationTable(stage.Stage.Name, stage.Stage.Kind, length, search.Samples.Count, validation.Samples.Count, rows, l0);
    }

    /// <summary>
    /// The validation samples at L0. A document long enough for a stage at or above L0 is long enough for L0, so they
    /// exist whenever the stage's do (checked before the job started); only a stage shorter than L0 can lack them,
    /// and its table then leaves the L0 column empty rather than failing a finished stage.
    /// </summary>
    private SampleSet? SamplesAtL0(string stageName, int length, int l0)
    {
        try
        {
            return samples.Validation(l0, $"{stageName} (its factors at L0 = {l0})");
        }
        catch (LongRopeSearch.Core.InputException e) when (length < l0)
        {
            log.LogWarning("{Stage}: no ppl at L0 = {L0} in the validation table: {Reason}", stageName, l0, e.Message);
            return null;
        }
    }
}
