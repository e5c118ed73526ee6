using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// Prefix-first abandon in a real job: every candidate it does not abandon has exactly the NLL bits of a whole-sequence
/// pass, both as the same candidate scored in a run with the rule off and as a fresh whole-pass evaluation through the
/// engine's plain <c>Evaluate</c>; and the rule really cuts evaluations inside samples.
/// </summary>
public sealed class PrefixAbandonJobTests
{
    // The kit's job with a zero prefix margin (any prefix worse than the threshold's stops), so that many
    // evaluations are cut inside a sample; and the same job with abandoning off.
    internal const string PrefixOn =
        """{ "targets": ["2x", "4x"], "short": { "length": "1x" }, "population": 12, "generations": 3, "parents": 6, "mutations": 4, "crossovers": 4, "samples": 2, "seed": 3, "early_abandon": { "enabled": true, "margin": 0.05, "min_samples": 1, "prefix": { "fractions": [0.25, 0.5], "margin": 0.0 } } }""";

    private const string AbandonOff =
        """{ "targets": ["2x", "4x"], "short": { "length": "1x" }, "population": 12, "generations": 3, "parents": 6, "mutations": 4, "crossovers": 4, "samples": 2, "seed": 3, "early_abandon": { "enabled": false } }""";

    [Fact]
    public void Completed_evaluations_have_the_whole_pass_bits_and_the_rule_cuts_inside_samples()
    {
        using var onDir = new TempDir();
        using var offDir = new TempDir();
        var on = Run(onDir, PrefixOn);
        var off = Run(offDir, AbandonOff);

        var onRows = HistoryLog.ReadAll(new JobDirectory(on.Output).History);
        var offRows = HistoryLog.ReadAll(new JobDirectory(off.Output).History);
        Assert.DoesNotContain(offRows, r => r.Abandoned);

        // The rule acted, and some evaluations stopped before completing even one sample (inside sample 0).
        var abandoned = onRows.Where(r => r.Abandoned).ToList();
        Assert.NotEmpty(abandoned);
        Assert.Contains(abandoned, r => r.PerSampleNll.Length == 0);

        // Same candidate (λ, n̂, attention factor, length) in both runs: same bits.
        var offByKey = offRows.ToDictionary(Key);
        int common = 0;
        foreach (var r in onRows.Where(r => !r.Abandoned))
        {
            if (!offByKey.TryGetValue(Key(r), out var o)) continue;
            common++;
            Assert.Equal(Bits(o.PerSampleNll), Bits(r.PerSampleNll));
            Assert.Equal(BitConverter.DoubleToInt64Bits(o.MeanNll), BitConverter.DoubleToInt64Bits(r.MeanNll));
        }
        Assert.True(common >= 12, $"only {common} candidates in common"); // generation 0 of each stage at least

        // Every completed evaluation of the prefix run equals a whole-sequence pass through the engine.
        var job = JobContext.For(on);
        using var engine = job.OpenEngine(job.RunEngineOptions);
        foreach (var r in onRows.Where(r => !r.Abandoned))
        {
            var factors = new FactorSet(r.Lambda, r.NHat, r.AttentionFactor);
            var whole = engine.Evaluator.Evaluate(job.Samples.Search(r.TargetLength, "test"), factors);
            Assert.Equal(Bits(whole.PerSampleNll), Bits(r.PerSampleNll));
            Assert.Equal(BitConverter.DoubleToInt64Bits(whole.MeanNll), BitConverter.DoubleToInt64Bits(r.MeanNll));
        }

        // The checkpoint's counters say what was pushed through the model: less than the run without abandon.
        var onCounters = JobState.Load(new JobDirectory(on.Output).State).Search.Completed.Select(s => s.Counters).ToList();
        var offCounters = JobState.Load(new JobDirectory(off.Output).State).Search.Completed.Select(s => s.Counters).ToList();
        Assert.All(onCounters.Concat(offCounters), c => Assert.True(c.Flops > 0 && c.Tokens > 0));
        Assert.True(onCounters.Sum(c => c.Flops) < offCounters.Sum(c => c.Flops));
    }

    private static JobSpec Run(TempDir dir, string space)
    {
        var spec = JobKit.NewJob(dir, space);
        using var cts = new CancellationTokenSource();
        Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(spec, cts));
        return spec;
    }

    private static string Key(HistoryRow r) =>
        $"{r.Stage}|{r.TargetLength}|{string.Join(",", r.Lambda.Select(v => v.ToString("R")))}|{r.NHat}|{r.AttentionFactor:R}";

    private static long[] Bits(double[] v) => v.Select(BitConverter.DoubleToInt64Bits).ToArray();
}
