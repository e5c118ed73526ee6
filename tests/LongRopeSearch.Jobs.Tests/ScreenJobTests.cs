using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// Successive halving (early_abandon.screen) in a real job on the fixture model: a kept child's continuation starts
/// after its screened samples, yet every finished evaluation has exactly the bits of a fresh whole-sequence pass
/// through the engine's plain <c>Evaluate</c>; the history holds one row per candidate; the screen drops children.
/// </summary>
public sealed class ScreenJobTests
{
    // 6 children per generation, 3 samples each: every child is scored on sample 0 (in steps at 1/2 and L − 1), then
    // the 2 best on samples 1 and 2.
    internal const string Screened =
        """{ "targets": ["2x", "4x"], "population": 8, "generations": 3, "parents": 4, "mutations": 3, "crossovers": 3, "samples": 3, "seed": 4, "early_abandon": { "enabled": true, "margin": 0.05, "min_samples": 1, "prefix": { "fractions": [0.5], "margin": 0.05 }, "screen": { "samples": 1, "keep": 2 } } }""";

    [Fact]
    public void Kept_children_finish_with_whole_pass_bits_and_the_others_keep_their_one_sample_score()
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir, Screened);
        using (var cts = new CancellationTokenSource()) Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(spec, cts));

        var rows = HistoryLog.ReadAll(new JobDirectory(spec.Output).History);
        // One row per candidate: 2 stages × (8 + 3 generations × 6 children).
        Assert.Equal(2 * (8 + 3 * 6), rows.Count);
        Assert.Equal(rows.Count, rows.Select(r => (r.TargetLength, r.CandidateId)).Distinct().Count());

        foreach (var g in rows.Where(r => r.Generation > 0).GroupBy(r => (r.TargetLength, r.Generation)))
        {
            Assert.True(g.Count(r => r.PerSampleNll.Length > 1) <= 2, $"{g.Key}: more than 2 children went past the screen");
            Assert.Contains(g, r => r.Abandoned && r.PerSampleNll.Length <= 1);
        }
        Assert.Contains(rows, r => r.Generation > 0 && !r.Abandoned);

        var job = JobContext.For(spec);
        using var engine = job.OpenEngine(job.RunEngineOptions);
        foreach (var r in rows.Where(r => !r.Abandoned))
        {
            var whole = engine.Evaluator.Evaluate(job.Samples.Search(r.TargetLength, "test"), new FactorSet(r.Lambda, r.NHat, r.AttentionFactor));
            Assert.Equal(whole.PerSampleNll.Select(BitConverter.DoubleToInt64Bits), r.PerSampleNll.Select(BitConverter.DoubleToInt64Bits));
        }

        // The counters say the screen saved work: fewer token rows than every candidate evaluated in full.
        var counters = JobState.Load(new JobDirectory(spec.Output).State).Search.Completed.Select(s => s.Counters).ToList();
        long fullRows = rows.Sum(r => 3L * (r.TargetLength - 1));
        Assert.True(counters.Sum(c => c.Tokens) < fullRows, $"{counters.Sum(c => c.Tokens)} token rows, {fullRows} for every candidate in full");
        Assert.Equal(rows.Count, counters.Sum(c => c.Evaluations));

        // Each row carries its own cost (history columns tokens, flops): a finished evaluation, its screened sample
        // included, pushed 3 samples × (L − 1) rows; a dropped one fewer; together what the counters add up.
        foreach (var r in rows)
        {
            if (r.Abandoned) Assert.InRange(r.Tokens, 1, 3L * (r.TargetLength - 1) - 1);
            else Assert.Equal(3L * (r.TargetLength - 1), r.Tokens);
            Assert.True(r.Flops > 0, $"candidate {r.CandidateId}: no FLOPs recorded");
        }
        foreach (var g in rows.Where(r => !r.Abandoned).GroupBy(r => r.TargetLength))
            Assert.Single(g.Select(r => r.Flops).Distinct());
        Assert.Equal(counters.Sum(c => c.Tokens), rows.Sum(r => r.Tokens));
        Assert.Equal(counters.Sum(c => c.Flops), rows.Sum(r => r.Flops), 1e-9 * counters.Sum(c => c.Flops));
    }
}
