using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// `longrope plan --from` with prefix-first abandon: an abandoned evaluation costs its complete samples plus the rows
/// of the prefix step it stopped after. Checked two ways: against a synthetic run directory whose stops are known,
/// with the expected FLOPs written out by hand from ForwardCost's formula (not by calling it), at the measured length
/// and at twice it; and against a real run with the rule on, whose own evaluator counted the FLOPs it spent.
/// </summary>
public sealed class PlanPrefixAbandonTests
{
    // One target of 128 tokens (the gqa fixture's L0 is 64), 4 + 2 × 4 evaluations of 2 samples, prefix steps at
    // 1/4 and 1/2 of a sample's 127 positions: ends 31, 63, 127.
    private const string Space =
        """{ "targets": ["2x"], "population": 4, "generations": 2, "parents": 2, "mutations": 2, "crossovers": 2, "samples": 2, "seed": 3, "early_abandon": { "enabled": true, "margin": 0.05, "min_samples": 1, "prefix": { "fractions": [0.25, 0.5], "margin": 0.0 } } }""";

    // The same at 256 tokens (ends 63, 127, 255).
    private static readonly string SpaceAt256 = Space.Replace("\"2x\"", "\"4x\"", StringComparison.Ordinal);

    /// <summary>
    /// ForwardCost of rows [0, P) of the gqa fixture, written out from its config.json (2 layers, hidden 64, 4 heads
    /// and 2 KV heads of 16: q_dim 64, kv_dim 32; intermediate 96; vocab 256; no window):
    /// per row 2·(2·64·(64 + 2·32 + 64 + 3·96)) + 2·64·256 = 122,880 + 32,768 = 155,648; attention
    /// 2·4·4·16·Σ_{t&lt;P}(t + 1) = 512·P(P + 1)/2.
    /// </summary>
    private static double Rows(int p) => 155_648.0 * p + 256.0 * p * (p + 1);

    [Fact]
    public void Expected_flops_cost_each_measured_stop_by_the_rows_done_at_the_measured_length_and_at_another()
    {
        using var dir = new TempDir();
        var run = Path.Combine(dir.PathName, "run");
        var spec = JobKit.NewJob(dir, Space);
        var job = new JobContext(new FileJobStore(spec.Output), spec);
        WriteSyntheticRun(run, job);

        var rates = AbandonRates.FromRun(run);
        var measured = rates.For("long", 128)!;
        Assert.Equal(StopSource.Recorded, measured.StopsFrom);
        Assert.Equal([new StopRate(0, 0.25, 1), new StopRate(1, 0, 1), new StopRate(1, 0.5, 1)], measured.Stops);

        // 8 children measured: 5 full, one stopped after rows [0, 31) of sample 0, one after sample 0 and rows [0, 63)
        // of sample 1, one at the end of sample 0.
        double full = 2 * Rows(127);
        double child = (5 * full + Rows(31) + (Rows(127) + Rows(63)) + Rows(127)) / 8;
        var stage = JobPlanner.Build(job, workers: 1, rates).Stages.Single();
        Assert.Equal(4 * full + 8 * child, stage.ExpectedFlops, 1e-9 * stage.ExpectedFlops);
        Assert.Equal(12 * full, stage.PlannedFlops, 1e-9 * stage.PlannedFlops);
        Assert.Equal(4 * 2 * 127 + 8 * ((5 * 254 + 31 + 127 + 63 + 127) / 8.0), stage.ExpectedTokens, 1e-9);
        Assert.Equal(8 * 3 / 8.0, stage.ExpectedAbandoned, 1e-12);
        Assert.Equal(child / full, stage.FlopFraction, 1e-12);
        Assert.Contains("prefix step", stage.AbandonSource, StringComparison.Ordinal);

        // The same stops at 256 tokens (the run had no such stage: its pooled rates): 1/4 → rows [0, 63), 1/2 → [0, 127).
        var spec256 = JobKit.NewJob(Directory.CreateDirectory(Path.Combine(dir.PathName, "at256")).FullName, SpaceAt256);
        var at256 = JobPlanner.Build(new JobContext(new FileJobStore(spec256.Output), spec256), workers: 1, rates).Stages.Single();
        double full256 = 2 * Rows(255);
        double child256 = (5 * full256 + Rows(63) + (Rows(255) + Rows(127)) + Rows(255)) / 8;
        Assert.Equal(4 * full256 + 8 * child256, at256.ExpectedFlops, 1e-9 * at256.ExpectedFlops);

        // A checkpoint from before stops were recorded: its counters' tokens say 31 + 63 = 94 rows beyond the 20
        // complete samples (2,540 rows), spread over the 3 abandoned evaluations: 94 / 3 = 31.3, 31 rows each (to the nearest row).
        WriteSyntheticRun(run, job, new SearchCounters { Evaluations = 12, Abandoned = 3, Tokens = 20 * 127 + 94 });
        var mean = AbandonRates.FromRun(run);
        Assert.Equal(StopSource.MeanRows, mean.For("long", 128)!.StopsFrom);
        var spread = JobPlanner.Build(job, workers: 1, mean).Stages.Single();
        Assert.Equal(4 * full + 8 * ((5 * full + Rows(31) + 2 * (Rows(127) + Rows(31))) / 8), spread.ExpectedFlops, 1e-9 * spread.ExpectedFlops);
        Assert.Contains("mean", spread.AbandonSource, StringComparison.Ordinal);

        // Without the run's state.json only the history's complete samples are known: a stop inside a sample costs
        // nothing of that sample (the lower bound), and the plan says so.
        File.Delete(new FileJobStore(run).NameOf(JobArtifact.State));
        var historyOnly = AbandonRates.FromRun(run);
        Assert.Equal(StopSource.CompleteSamplesOnly, historyOnly.For("long", 128)!.StopsFrom);
        var lower = JobPlanner.Build(job, workers: 1, historyOnly).Stages.Single();
        Assert.Equal(4 * full + 8 * ((5 * full + 0 + Rows(127) + Rows(127)) / 8), lower.ExpectedFlops, 1e-9 * lower.ExpectedFlops);
        Assert.Contains("unknown", lower.AbandonSource, StringComparison.Ordinal);
    }

    [Fact]
    public void With_a_real_prefix_run_as_from_the_expected_flops_are_those_its_evaluator_counted()
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir, PrefixAbandonJobTests.PrefixOn);  // the kit's 3-stage job, prefix steps at 1/4, 1/2
        using (var cts = new CancellationTokenSource()) Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(spec, cts));
        var job = JobContext.Open(spec.Output);
        var plan = JobPlanner.Build(job, workers: 1, AbandonRates.FromRun(spec.Output));
        int inside = 0;
        foreach (var stage in plan.Stages)
        {
            var counted = StageCounters(job, stage);
            Assert.Equal(stage.PlannedEvaluations, counted.Evaluations);
            Assert.Equal(counted.Abandoned, stage.ExpectedAbandoned, 1e-9);
            Assert.Equal(counted.Flops, stage.ExpectedFlops, 1e-9 * counted.Flops);
            Assert.Equal(counted.Tokens, stage.ExpectedTokens, 1e-6);
            Assert.True(stage.ExpectedFlops < stage.PlannedFlops);
            inside += (int)(counted.Stops ?? []).Where(s => s.Rows > 0).Sum(s => s.Count);
        }
        Assert.True(inside > 0, "no evaluation of the run stopped inside a sample: the test proves nothing");
    }

    [Fact]
    public void Memory_per_search_evaluation_keeps_every_layers_keys_and_values()
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir, Space);
        var job = new JobContext(new FileJobStore(spec.Output), spec);
        using var engine = job.OpenEngine(job.RunEngineOptions);
        var memory = MemoryModel.For(engine, baseBytes: 0);
        var stage = JobPlanner.Build(job, workers: 1, memory: memory).Stages.Single();
        var pass = (LongRopeSearch.Engine.IPrefixForwardPass)engine.Evaluator.ForwardPass;
        Assert.Equal(pass.PrefixEvaluationBytes(128), stage.ActivationBytes);
        Assert.Equal(memory.WeightBytes + pass.PrefixEvaluationBytes(128) + stage.CacheBytes, stage.MemoryBytes);
        // At least the keys and values of both layers for all 128 rows: 2 layers × 128 × 2 × kv_dim 32 floats.
        Assert.True(stage.ActivationBytes >= 2 * 128 * 2 * 32 * sizeof(float));
        Assert.True(stage.PeakBytes >= stage.MemoryBytes);
    }

    /// <summary>The counters a finished job's checkpoint holds for <paramref name="stage"/>.</summary>
    internal static SearchCounters StageCounters(JobContext job, StagePlan stage)
    {
        var search = job.Store.LoadState()!.Search;
        int index = search.Stages.FindIndex(s => s.Length == stage.Length && s.Kind.Text() == stage.Kind);
        return search.Completed.Single(c => c.StageIndex == index).Counters;
    }

    /// <summary>A run directory of <paramref name="job"/>'s one stage with known stops: history rows and a checkpoint whose counters record them.</summary>
    private static void WriteSyntheticRun(string run, JobContext job, SearchCounters? counters = null)
    {
        static HistoryRow Row(int generation, long id, int samples, bool abandoned) => new()
        {
            JobId = "synthetic", Stage = "long", TargetLength = 128, Generation = generation, CandidateId = id, Origin = "x",
            Lambda = [1.0], NHat = 0, AttentionFactor = 1, PerSampleNll = new double[samples], MeanNll = 0, Ppl = 1,
            Abandoned = abandoned, Seconds = 0, Timestamp = DateTimeOffset.UnixEpoch,
        };
        var rows = new List<HistoryRow>();
        for (int i = 0; i < 4; i++) rows.Add(Row(0, i, 2, false));
        rows.Add(Row(1, 4, 2, false));
        rows.Add(Row(1, 5, 0, true));   // inside sample 0, after the step ending at 31
        rows.Add(Row(1, 6, 1, true));   // inside sample 1, after the step ending at 63
        rows.Add(Row(1, 7, 1, true));   // at the end of sample 0 (the per-sample rule)
        for (int i = 8; i < 12; i++) rows.Add(Row(2, i, 2, false));
        Directory.CreateDirectory(run);
        var store = new FileJobStore(run);
        File.Delete(store.NameOf(JobArtifact.History));
        store.OpenHistory(new Dictionary<string, string>()).Append(rows);
        store.SaveState(new JobState
        {
            Search = new ProgressiveSearchState
            {
                Stages = job.StartSearch().Stages.Select(s => s.Space).ToList(),
                Completed =
                [
                    new StageResultState
                    {
                        StageIndex = 0,
                        Counters = counters ?? new SearchCounters { Evaluations = 12, Abandoned = 3, Stops = [new(0, 31, 1), new(1, 63, 1), new(1, 0, 1)] },
                    },
                ],
            },
        });
    }
}
