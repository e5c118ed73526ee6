using LongRopeSearch.Engine;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.Store.History;
using LongRopeSearch.Store.Validation;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// `longrope plan` against what the search then does: the tiny job (two targets and the short stage) is run for real,
/// and the plan of the same spec must name, per stage and per generation, exactly the evaluations its history holds,
/// and FLOPs equal to ForwardCost summed over those evaluations' scored samples (a search sample computes rows
/// [0, L − 1): row L − 1 predicts nothing) and to what the run's evaluator counted.
/// Prefix-first abandon: PlanPrefixAbandonTests.
/// </summary>
public sealed class JobPlanTests
{
    private const string NoAbandonSpace =
        """{ "targets": ["2x", "4x"], "short": { "length": "1x" }, "population": 12, "generations": 3, "parents": 6, "mutations": 4, "crossovers": 4, "samples": 2, "seed": 3, "early_abandon": { "enabled": false } }""";

    [Fact]
    public void Planned_evaluations_and_flops_are_those_of_the_real_run_without_abandon()
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir, NoAbandonSpace);
        var plan = JobPlanner.Build(new JobContext(new FileJobStore(spec.Output), spec), workers: 1);  // before the run
        using (var cts = new CancellationTokenSource()) Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(spec, cts));

        var job = JobContext.Open(spec.Output);
        var rows = job.Store.ReadHistory();
        Assert.Equal(3, plan.Stages.Count);
        foreach (var stage in plan.Stages)
        {
            var mine = rows.Where(r => r.Stage == stage.Kind && r.TargetLength == stage.Length).ToList();
            Assert.Equal(stage.PlannedEvaluations, mine.Count);
            Assert.Equal(stage.PerGeneration.Select(g => (g.Generation, g.Evaluations)),
                mine.GroupBy(r => r.Generation).OrderBy(g => g.Key).Select(g => (g.Key, g.Count())));
            Assert.All(mine, r => Assert.False(r.Abandoned));
            double flops = mine.Sum(r => r.PerSampleNll.Length * ForwardCost.Flops(job.Config, 0, r.TargetLength - 1));
            Assert.Equal(flops, stage.PlannedFlops, flops * 1e-12);
            Assert.Equal(flops, stage.ExpectedFlops, flops * 1e-12);
            Assert.Equal(mine.Sum(r => (double)r.PerSampleNll.Length * (r.TargetLength - 1)), stage.ExpectedTokens);
            var counted = PlanPrefixAbandonTests.StageCounters(job, stage);
            Assert.Equal(counted.Flops, stage.ExpectedFlops, flops * 1e-12);
            Assert.Equal(counted.Tokens, stage.ExpectedTokens);
        }
        Assert.Equal(rows.Count, plan.PlannedEvaluations);
        CheckValidation(plan, job);
    }

    // Successive halving with a rule that never abandons (margin 100 nats): the screen alone decides, so its bound is exact.
    private const string ScreenOnlySpace =
        """{ "targets": ["2x", "4x"], "population": 12, "generations": 3, "parents": 6, "mutations": 4, "crossovers": 4, "samples": 3, "seed": 3, "early_abandon": { "enabled": true, "margin": 100, "screen": { "samples": 1, "keep": 3 } } }""";

    [Fact]
    public void Without_a_run_a_screened_space_is_planned_with_the_screen_s_cut()
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir, ScreenOnlySpace);
        var plan = JobPlanner.Build(new JobContext(new FileJobStore(spec.Output), spec), workers: 1);  // before the run
        using (var cts = new CancellationTokenSource()) Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(spec, cts));
        var job = JobContext.Open(spec.Output);
        var rows = job.Store.ReadHistory();
        foreach (var stage in plan.Stages)
        {
            var mine = rows.Where(r => r.TargetLength == stage.Length).ToList();
            Assert.Equal(stage.PlannedEvaluations, mine.Count);
            // Each of the 3 generations: 5 of 8 children stop after 1 sample, 3 are full.
            Assert.Equal(3 * 5, mine.Count(r => r.Abandoned));
            Assert.Equal(3 * 5, stage.ExpectedAbandoned, 1e-9);
            double f = ForwardCost.Flops(job.Config, 0, stage.Length - 1);
            Assert.Equal((12 * 3 + 3 * (5 * 1 + 3 * 3)) * f, stage.ExpectedFlops, f * 1e-9);
            Assert.Equal(mine.Sum(r => r.PerSampleNll.Length) * f, stage.ExpectedFlops, f * 1e-9);
            Assert.Contains("the screen alone", stage.AbandonSource, StringComparison.Ordinal);
        }
    }

    // A compute budget of 30 full evaluations, no abandon: 12 in generation 0, then 8 per generation, so each stage ends
    // after generation ⌈(30 − 12) / 8⌉ = 3 of its 5.
    private const string BudgetSpace =
        """{ "targets": ["2x", "4x"], "population": 12, "generations": 5, "parents": 6, "mutations": 4, "crossovers": 4, "samples": 2, "seed": 3, "flops_budget": 30, "early_abandon": { "enabled": false } }""";

    [Fact]
    public void A_flops_budget_ends_each_stage_where_the_plan_says()
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir, BudgetSpace);
        var plan = JobPlanner.Build(new JobContext(new FileJobStore(spec.Output), spec), workers: 1);
        using (var cts = new CancellationTokenSource()) Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(spec, cts));
        var rows = JobContext.Open(spec.Output).Store.ReadHistory();
        foreach (var stage in plan.Stages)
        {
            Assert.Equal(3, stage.Generations);
            Assert.True(stage.BudgetEnds);
            Assert.Equal(12 + 3 * 8, stage.PlannedEvaluations);
            Assert.Equal(12 + 3 * 8, rows.Count(r => r.TargetLength == stage.Length));
        }
    }

    [Fact]
    public void With_the_run_as_from_the_expected_work_is_the_work_it_did()
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir);  // early abandon on (the space's default)
        using (var cts = new CancellationTokenSource()) Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(spec, cts));
        var job = JobContext.Open(spec.Output);
        var rows = job.Store.ReadHistory();
        var plan = JobPlanner.Build(job, workers: 3, AbandonRates.FromRun(spec.Output));
        foreach (var stage in plan.Stages)
        {
            var mine = rows.Where(r => r.Stage == stage.Kind && r.TargetLength == stage.Length).ToList();
            Assert.Equal(stage.PlannedEvaluations, mine.Count);
            Assert.Equal(mine.Count(r => r.Abandoned), stage.ExpectedAbandoned, 1e-9);
            long samples = mine.Sum(r => (long)r.PerSampleNll.Length);
            Assert.Equal(samples, stage.ExpectedSamplePasses, 1e-9);
            double flops = mine.Sum(r => r.PerSampleNll.Length * ForwardCost.Flops(job.Config, 0, r.TargetLength - 1));
            Assert.Equal(flops, stage.ExpectedFlops, flops * 1e-12);
            Assert.Equal((double)stage.PlannedEvaluations * stage.Samples * ForwardCost.Flops(job.Config, 0, stage.Length - 1), stage.PlannedFlops);
        }
    }

    [Fact]
    public void Abandon_rates_count_only_children_and_their_samples()
    {
        static HistoryRow Row(int generation, int samples, bool abandoned) => new()
        {
            JobId = "j", Stage = "long", TargetLength = 128, Generation = generation, CandidateId = 0, Origin = "x",
            Lambda = [1.0], NHat = 0, AttentionFactor = 1, PerSampleNll = new double[samples], MeanNll = 0, Ppl = 1,
            Abandoned = abandoned, Seconds = 0, Timestamp = DateTimeOffset.UnixEpoch,
        };
        // generation 0: 2 full (never counted); children: 3 full of 4 samples, one abandoned after 1, one after 2
        var rates = AbandonRates.FromRows([Row(0, 4, false), Row(0, 4, false), Row(1, 4, false), Row(1, 1, true), Row(2, 4, false), Row(2, 2, true), Row(2, 4, false)], "h");
        var r = rates.For("long", 128)!;
        Assert.Equal(5, r.ChildEvaluations);
        Assert.Equal(2, r.Abandoned);
        Assert.Equal(15.0 / 20.0, r.SampleFraction);
        Assert.Null(rates.For("short", 128));
        Assert.Equal(r.SampleFraction, rates.Overall.SampleFraction);
    }

    /// <summary>Each stage's table: the plan's methods are its rows plus the deployable row when the best set was itself deployable.</summary>
    private static void CheckValidation(JobPlan plan, JobContext job)
    {
        var file = job.Store.LoadValidation()!;
        foreach (var stage in plan.Stages)
        {
            var table = file.Stages.Single(t => t.Stage == stage.Stage);
            int rows = table.Rows.Count + (table.Row(ValidationRow.DeployableMethod) is null ? 1 : 0);
            Assert.Equal(stage.Validation.Methods, rows);
        }
    }
}
