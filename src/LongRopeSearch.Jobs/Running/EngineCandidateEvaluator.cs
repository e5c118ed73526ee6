using System.Diagnostics;
using LongRopeSearch.Engine;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;

namespace LongRopeSearch.Jobs;

/// <summary>
/// The search's fitness: perplexity of a factor set on the job's search samples at a given length, through the
/// engine. The samples come from <see cref="JobSamples"/>, loaded once per length, so every candidate of a target
/// is scored on exactly the same tokens in the same order (the search compares candidates sample by sample).
/// A step whose stage turns prefix-first abandon on (<see cref="SearchStep.PrefixEnds"/>) is scored in prefix steps
/// (<see cref="PerplexityScorer.EvaluateInPrefixSteps"/>: a completed evaluation has the whole pass's bits), each
/// step offered to the generation's rule; its score carries the prefix sums a later threshold is compared by.
/// Every score says the token rows and FLOPs (<see cref="ForwardCost"/>) it cost.
/// </summary>
public sealed class EngineCandidateEvaluator(PerplexityScorer engine, JobSamples samples) : ICandidateEvaluator
{
    /// <summary>Tokens scored so far (for rates).</summary>
    public long TokensScored { get; private set; }

    public CandidateScore Evaluate(FactorSet factors, int length, AbandonRule? abandon, CancellationToken ct)
    {
        var set = samples.Search(length, $"length {length}");
        var clock = Stopwatch.StartNew();
        var result = engine.Evaluate(set, factors, abandon is null ? null : abandon.ShouldContinue, ct);
        var rows = new long[result.PerSampleNll.Length];
        Array.Fill(rows, length);
        return Score(result, rows, clock, prefixEnds: null);
    }

    public CandidateScore Evaluate(SearchStep step, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(step);
        if (step.PrefixEnds is not { } ends) return Evaluate(step.Candidate.Factors, step.Length, step.Abandon, ct);
        int length = step.Length;
        var set = samples.Search(length, $"length {length}");
        var clock = Stopwatch.StartNew();
        var abandon = step.Abandon;
        var result = engine.EvaluateInPrefixSteps(set, step.Candidate.Factors, ends,
            abandon is null ? null : s => abandon.ShouldContinueAfterStep(s.Sample, s.Step, s.Positions, s.NllSums, s.Counts), progress: null, ct);
        // Rows computed per sample started: a prefix evaluation stopped at P did rows [0, P), a completed one L − 1
        // rows (row L − 1 predicts nothing); a whole-pass fallback did L rows for every sample it started.
        var sums = result.PrefixNllSums!;
        var rows = new long[sums.Count];
        for (int i = 0; i < sums.Count; i++)
            rows[i] = result.PrefixFallback is not null ? length : result.PrefixEnds![sums[i].Length - 1];
        return Score(result, rows, clock, result.PrefixEnds!.ToArray());
    }

    private CandidateScore Score(EvalResult result, long[] rows, Stopwatch clock, int[]? prefixEnds)
    {
        var config = engine.Weights.Config;
        long tokens = 0;
        double flops = 0;
        foreach (var r in rows)
        {
            tokens += r;
            flops += ForwardCost.Flops(config, 0, (int)r);
        }
        TokensScored += tokens;
        return new CandidateScore(result.PerSampleNll, result.MeanNll, result.Abandoned, clock.Elapsed.TotalSeconds)
        {
            PrefixEnds = prefixEnds,
            PrefixNllSums = prefixEnds is null ? null : result.PrefixNllSums!.Select(a => (double[])a.Clone()).ToArray(),
            Tokens = tokens,
            Flops = flops,
        };
    }
}
