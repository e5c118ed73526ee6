using System.Globalization;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Search.Tests;

/// <summary>The attention factor as a searched gene (policy "search"), beside the fixed policies.</summary>
public class AttentionFactorSearchTests
{
    private static readonly double Policy8x = Math.Sqrt(1 + Math.Log(8) / Math.Log(64));   // LongRoPE's default at 512 / 64

    private static bool OnGrid(double af) =>
        af >= 1.0 && af <= 1.4 && af == double.Parse(af.ToString("F2", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static (LongRopeSearcher Searcher, SyntheticEvaluator Eval) Run(SearchSpace space, double? optimum = 1.17)
    {
        var ts = TestSpaces.Target(space, 512);
        var s = new LongRopeSearcher(ts, TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
        var eval = new SyntheticEvaluator(4) { OptimumAttentionFactor = optimum };
        s.Run(eval);
        return (s, eval);
    }

    [Fact]
    public void Grid_values_are_the_doubles_of_their_decimal_text_and_seeds_snap_to_the_nearest()
    {
        var grid = new AttentionFactorGrid(1.0m, 1.4m, 0.01m);
        Assert.Equal(41, grid.Count);
        for (int k = 0; k < grid.Count; k++)
            Assert.Equal(double.Parse((1.0m + k * 0.01m).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), grid.Value(k));
        Assert.Equal(21, grid.Nearest(1.2079));   // YaRN at 8x: 0.1·ln 8 + 1
        Assert.Equal(0, grid.Nearest(0.5));       // clamped
        Assert.Equal(40, grid.Nearest(3.0));
        Assert.Equal(3, new AttentionFactorGrid(1.0m, 1.25m, 0.1m).Count);   // 1.0, 1.1, 1.2: a max off the grid is not a point
    }

    [Fact]
    public void Each_seed_keeps_its_own_factor_and_is_seeded_again_with_the_policy_value()
    {
        var ts = TestSpaces.Target(TestSpaces.SmallSearchingAttention(), 512);
        Assert.Equal(Policy8x, ts.AttentionFactor, 15);
        var s = new LongRopeSearcher(ts, TestSpaces.Baselines(TestSpaces.Pairs, 8), 1UL);
        var seeds = s.PendingSteps().Take(4).Select(p => p.Candidate).ToList();
        Assert.Equal(["pi", "ntk", "pi" + LongRopeSearcher.PolicyAttentionSuffix, "ntk" + LongRopeSearcher.PolicyAttentionSuffix], seeds.Select(c => c.Origin));
        Assert.Equal(1.0, seeds[0].Factors.AttentionFactor);                      // PI's own
        Assert.Equal(1.21, seeds[1].Factors.AttentionFactor);                     // 0.1·ln 8 + 1 = 1.2079 on the grid
        Assert.Equal(Math.Round(Policy8x, 2), seeds[2].Factors.AttentionFactor);  // √(1 + ln 8 / ln 64) = 1.2247 → 1.22
        Assert.Equal(Math.Round(Policy8x, 2), seeds[3].Factors.AttentionFactor);
        Assert.Equal(seeds[0].Factors.Lambda, seeds[2].Factors.Lambda);
        Assert.Equal(SeedMutation, s.PendingSteps()[4].Candidate.Origin);
    }

    private const string SeedMutation = CandidateOrigin.SeedMutation;

    [Fact]
    public void Every_candidate_carries_a_grid_value_mutations_change_it_and_crossovers_take_it_from_a_parent()
    {
        var (s, _) = Run(TestSpaces.SmallSearchingAttention(seed: 3));
        var byId = s.Evaluated.ToDictionary(e => e.Candidate.Id);
        Assert.All(s.Evaluated, e => Assert.True(OnGrid(e.Candidate.Factors.AttentionFactor), e.Candidate.ToString()));
        var crossovers = s.Evaluated.Where(e => e.Candidate.Origin == CandidateOrigin.Crossover).ToList();
        Assert.NotEmpty(crossovers);
        Assert.All(crossovers, c => Assert.Contains(c.Candidate.Factors.AttentionFactor, c.Candidate.ParentIds.Select(p => byId[p].Candidate.Factors.AttentionFactor)));
        Assert.Contains(s.Evaluated, e => e.Candidate.Origin == CandidateOrigin.Mutation
            && e.Candidate.Factors.AttentionFactor != byId[e.Candidate.ParentIds[0]].Candidate.Factors.AttentionFactor);
        Assert.True(s.Evaluated.Select(e => e.Candidate.Factors.AttentionFactor).Distinct().Count() > 10);
    }

    [Fact]
    public void The_search_moves_the_factor_towards_the_optimum_of_the_fitness()
    {
        // af* = 1.10 lies between PI's 1.0 and the seeded 1.21 / 1.22; a search blind to the factor would keep a
        // seed's value. Its weight in the fitness is small next to λ's, so the stage runs 40 generations.
        foreach (var seed in new ulong[] { 1, 2, 3, 4, 5 })
        {
            var space = TestSpaces.SmallSearchingAttention(seed: seed);
            var (s, _) = Run(space with { Evolution = space.Evolution with { Generations = 40 } }, optimum: 1.10);
            Assert.InRange(s.Best!.Candidate.Factors.AttentionFactor, 1.05, 1.15);
        }
    }

    [Fact]
    public void A_fixed_policy_gives_every_candidate_the_stage_factor_and_a_searched_one_does_not_reach_the_short_stage()
    {
        var (fixedRun, _) = Run(TestSpaces.Small(seed: 3));
        Assert.All(fixedRun.Evaluated, e => Assert.Equal(Policy8x, e.Candidate.Factors.AttentionFactor));

        var space = TestSpaces.SmallSearchingAttention(seed: 3);
        var records = new List<EvaluationRecord>();
        var search = ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), TestSpaces.BaselineProvider);
        var result = search.Run(new SyntheticEvaluator(4) { OptimumAttentionFactor = 1.17 }, records.Add);
        var lastLong = result.Stages[1];
        var deployed = lastLong.BestDeployable!.Candidate.Factors.AttentionFactor;
        // The short stage is scored with the factor the last target's deployable best found, and does not search it.
        Assert.Null(result.ShortResult!.Stage.Space.AttentionGrid);
        Assert.Equal(deployed, result.ShortResult.Stage.Space.AttentionFactor);
        Assert.All(records.Where(r => r.Stage.Kind == FactorKind.Short), r => Assert.Equal(deployed, r.Candidate.Factors.AttentionFactor));
        // The second target's previous-target seed keeps the first target's factor.
        var prev = records.First(r => r.Stage.Index == 1);
        Assert.Equal(CandidateOrigin.PreviousTarget, prev.Candidate.Origin);
        Assert.Equal(result.Stages[0].Best.Candidate.Factors.AttentionFactor, prev.Candidate.Factors.AttentionFactor);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(37)]
    [InlineData(137)]
    [InlineData(290)]
    public void A_search_of_the_factor_restores_exactly(int stopAfter)
    {
        var space = TestSpaces.SmallSearchingAttention(seed: 6, abandon: true);
        var expected = ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), TestSpaces.BaselineProvider);
        var expectedResult = expected.Run(new SyntheticEvaluator(4) { OptimumAttentionFactor = 1.17 });

        var first = ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), TestSpaces.BaselineProvider);
        var eval = new SyntheticEvaluator(4) { OptimumAttentionFactor = 1.17 };
        for (int i = 0; i < stopAfter; i++)
        {
            var step = first.Next()!;
            first.Report(step.Candidate.Id, eval.Evaluate(step.Candidate.Factors, step.Length, step.Abandon, default));
        }
        var json = SearchStateJson.Serialize(first.Snapshot());
        var restored = ProgressiveSearch.Restore(SearchStateJson.DeserializeProgressive(json), TestSpaces.BaselineProvider);
        Assert.Equal(json, SearchStateJson.Serialize(restored.Snapshot()));
        var result = restored.Run(new SyntheticEvaluator(4) { OptimumAttentionFactor = 1.17 });
        Assert.Equal(SnapshotRestoreTests.Describe(expectedResult), SnapshotRestoreTests.Describe(result));
        Assert.Equal(SearchStateJson.Serialize(expected.Snapshot()), SearchStateJson.Serialize(restored.Snapshot()));
    }

    [Fact]
    public void An_attention_index_where_the_space_has_none_or_off_the_grid_is_a_damaged_checkpoint()
    {
        var plain = ProgressiveSearch.Start(TestSpaces.Small(), SearchPlan.FromSpace(TestSpaces.Small()), TestSpaces.BaselineProvider).Snapshot();
        plain.Current!.Pending[0].AttentionIndex = 3;
        Assert.Throws<LongRopeSearch.Core.InputException>(() => ProgressiveSearch.Restore(plain, TestSpaces.BaselineProvider));

        var space = TestSpaces.SmallSearchingAttention();
        var searched = ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), TestSpaces.BaselineProvider).Snapshot();
        searched.Current!.Pending[0].AttentionIndex = 41;
        Assert.Throws<LongRopeSearch.Core.InputException>(() => ProgressiveSearch.Restore(searched, TestSpaces.BaselineProvider));
        searched.Current.Pending[0].AttentionIndex = null;
        Assert.Throws<LongRopeSearch.Core.InputException>(() => ProgressiveSearch.Restore(searched, TestSpaces.BaselineProvider));
    }

    [Fact]
    public void Seeds_of_any_factor_are_one_candidate_when_the_factor_is_fixed()
    {
        var ts = TestSpaces.Target(TestSpaces.Small(), 512);
        var pi = TestSpaces.Baselines(TestSpaces.Pairs, 8)[0];
        var s = new LongRopeSearcher(ts, [pi, new SeedCandidate("pi-af", pi.Factors.With(attentionFactor: 1.3))], 1UL);
        Assert.Equal(1, s.Counters.SeedDuplicates);
        Assert.DoesNotContain(s.PendingSteps(), p => p.Candidate.Origin.EndsWith(LongRopeSearcher.PolicyAttentionSuffix, StringComparison.Ordinal));
    }
}
