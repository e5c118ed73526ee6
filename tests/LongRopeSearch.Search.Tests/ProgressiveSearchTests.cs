using LongRopeSearch.Search;
using Xunit;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Search.Tests;

public class ProgressiveSearchTests
{
    [Fact]
    public void Later_targets_are_seeded_with_the_previous_best_rescaled_and_the_short_stage_with_identity_and_long_best()
    {
        var space = TestSpaces.Small(seed: 3);
        var records = new List<EvaluationRecord>();
        var search = ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), TestSpaces.BaselineProvider);
        var result = search.Run(new SyntheticEvaluator(4), records.Add);

        Assert.Equal(3, result.Stages.Count);
        Assert.Equal([FactorKind.Long, FactorKind.Long, FactorKind.Short], result.Stages.Select(s => s.Stage.Kind));

        // Stage 1 (1024, s = 16) starts with the stage-0 best (s = 8) rescaled: λ' = 1 + (λ − 1)·15/7, on the grid.
        var best0 = result.Stages[0].Best.Candidate.Factors;
        var prev = records.First(r => r.Stage.Index == 1);
        Assert.Equal(CandidateOrigin.PreviousTarget, prev.Candidate.Origin);
        for (int i = 0; i < best0.Pairs; i++)
            Assert.Equal(Math.Min(20.0, 1 + (best0.Lambda[i] - 1) * 15 / 7), prev.Candidate.Factors.Lambda[i], 0.005 + 1e-12);
        Assert.Equal(best0.NHat, prev.Candidate.Factors.NHat);
        Assert.Equal(["previous-target", "pi", "ntk"], records.Where(r => r.Stage.Index == 1).Take(3).Select(r => r.Candidate.Origin));

        // The short stage (128, s = 2) starts with identity, then the last long best rescaled by (2 − 1)/(16 − 1).
        var shortRecords = records.Where(r => r.Stage.Kind == FactorKind.Short).ToList();
        Assert.Equal(CandidateOrigin.Identity, shortRecords[0].Candidate.Origin);
        Assert.All(shortRecords[0].Candidate.Factors.Lambda, l => Assert.Equal(1.0, l));
        Assert.Equal(CandidateOrigin.LongRescaled, shortRecords[1].Candidate.Origin);
        var best1 = result.Stages[1].Best.Candidate.Factors;
        for (int i = 0; i < best1.Pairs; i++)
            Assert.Equal(Math.Min(2.5, 1 + (best1.Lambda[i] - 1) / 15), shortRecords[1].Candidate.Factors.Lambda[i], 0.005 + 1e-12);

        // The short stage is scored with the last target's attention factor (one factor for short and long when deployed).
        var af1024 = Math.Sqrt(1 + Math.Log(16) / Math.Log(64));
        Assert.All(shortRecords, r => Assert.Equal(af1024, r.Candidate.Factors.AttentionFactor, 14));
        Assert.All(shortRecords, r => Assert.Equal(128, search.Stages[r.Stage.Index].Length));
        Assert.All(shortRecords, r => Assert.True(r.Candidate.Factors.NHat < 128));

        // Ids are unique across stages.
        Assert.Equal(records.Count, records.Select(r => r.Candidate.Id).Distinct().Count());
    }

    [Fact]
    public void Progress_counts_every_evaluation_and_ends_finished()
    {
        var space = TestSpaces.Small(seed: 3, abandon: true);
        var reports = new List<SearchProgress>();
        var search = ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), TestSpaces.BaselineProvider);
        var progress = new SyncProgress(reports.Add);
        var result = search.Run(new SyntheticEvaluator(4), progress: progress);

        Assert.Equal(Enumerable.Range(1, reports.Count).Select(i => (long)i), reports.Select(p => p.EvaluationsDone));
        var last = reports[^1];
        Assert.True(last.Finished);
        Assert.Equal(last.EvaluationsDone, last.EvaluationsPlanned);
        Assert.Equal(result.Stages.Sum(s => s.Counters.Abandoned), last.Abandoned);
        Assert.NotNull(last.EvaluationsPerSecond);
        Assert.All(reports, p => Assert.True(p.EvaluationsPlanned >= p.EvaluationsDone));
        Assert.Equal(TimeSpan.Zero, last.Eta);
        Assert.Equal(3, last.StageCount);
    }

    [Fact]
    public void Every_stage_keeps_its_best_deployable_candidate_beside_its_best()
    {
        // The fitness prefers n̂ = 8, so the best overall is usually not deployable.
        var space = TestSpaces.Small(seed: 3, abandon: true);
        var records = new List<EvaluationRecord>();
        var search = ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), TestSpaces.BaselineProvider);
        var result = search.Run(new SyntheticEvaluator(4), records.Add);
        Assert.Contains(result.Stages, s => s.Best.Candidate.Factors.NHat != 0);
        foreach (var stage in result.Stages)
        {
            // The best full evaluation with n̂ = 0 of the stage, by an independent scan of what was evaluated.
            var expected = records.Where(r => r.Stage.Index == stage.Stage.Index && !r.Score.Abandoned && r.Candidate.Factors.NHat == 0)
                .OrderBy(r => r.Score.MeanNll).ThenBy(r => r.Candidate.Id).First();
            Assert.NotNull(stage.BestDeployable);
            Assert.Equal(expected.Candidate.Id, stage.BestDeployable!.Candidate.Id);
            Assert.Equal(0, stage.BestDeployable.Candidate.Factors.NHat);
            Assert.True(stage.BestDeployable.Score.MeanNll >= stage.Best.Score.MeanNll);
        }

        // It survives the checkpoint, and a stage whose best is deployable names the same candidate twice.
        var restored = ProgressiveSearch.Restore(SearchStateJson.DeserializeProgressive(SearchStateJson.Serialize(search.Snapshot())), TestSpaces.BaselineProvider);
        Assert.Equal(result.Stages.Select(s => s.BestDeployable!.Candidate.Id), restored.Completed.Select(s => s.BestDeployable!.Candidate.Id));
        Assert.Equal(result.Stages.Select(s => s.BestDeployable!.Score.MeanNll), restored.Completed.Select(s => s.BestDeployable!.Score.MeanNll));
        var state = search.Snapshot();
        state.Completed[0].BestDeployable = state.Completed[0].Best.Candidate.NHat != 0 ? state.Completed[0].Best : state.Completed[0].Top.First(t => t.Candidate.NHat != 0);
        Assert.Throws<LongRopeSearch.Core.InputException>(() => ProgressiveSearch.Restore(state, TestSpaces.BaselineProvider));
    }

    [Fact]
    public void Without_n_hat_zero_among_the_choices_no_candidate_is_deployable()
    {
        var space = TestSpaces.Small(seed: 3) with { NHatChoices = [4, 8, 16] };
        var result = ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), TestSpaces.BaselineProvider).Run(new SyntheticEvaluator(4));
        Assert.All(result.Stages, s => Assert.Null(s.BestDeployable));
    }

    [Fact]
    public void A_first_target_without_seeds_is_an_error()
    {
        var space = TestSpaces.Small();
        Assert.Throws<InvalidOperationException>(() => ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), SeedProvider.None));
    }

    [Fact]
    public void A_plan_without_targets_is_an_input_error()
    {
        var space = TestSpaces.Small();
        var ex = Assert.Throws<LongRopeSearch.Core.InputException>(() => ProgressiveSearch.Start(space, new SearchPlan([]), TestSpaces.BaselineProvider));
        Assert.Contains("targets", ex.Message);
    }

    [Fact]
    public void A_seed_provider_failing_at_a_stage_transition_makes_the_search_refuse_further_use()
    {
        var space = TestSpaces.Small();
        var provider = SeedProvider.FromDelegate(stage => stage.Index == 0 ? TestSpaces.Baselines(TestSpaces.Pairs, stage.Scale) : throw new IOException("baselines unavailable"));
        var search = ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), provider);
        Assert.Throws<IOException>(() => search.Run(new SyntheticEvaluator(4)));
        Assert.Throws<InvalidOperationException>(() => search.Next());
        Assert.Throws<InvalidOperationException>(() => search.Snapshot());
    }

    /// <summary>IProgress that reports synchronously (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SyncProgress(Action<SearchProgress> report) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value) => report(value);
    }
}
