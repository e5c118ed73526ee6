using LongRopeSearch.Core;
using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Search.Tests;

/// <summary>
/// A stage's compute budget (flops_budget, in full evaluations): the stage ends at the first generation boundary whose
/// work reaches it. The synthetic fitness reports no FLOPs, so work is counted in complete samples; the expected end
/// is worked out from the recorded evaluations, generation by generation.
/// </summary>
public class FlopsBudgetTests
{
    private static SearchSpace Space(double? budget, bool abandon, int generations = 30) =>
        TestSpaces.Small(seed: 11, abandon: abandon) is var s
            ? s with { Evolution = s.Evolution with { Generations = generations, FlopsBudget = budget } }
            : throw new InvalidOperationException();

    private static LongRopeSearcher Run(SearchSpace space)
    {
        var s = new LongRopeSearcher(TestSpaces.Target(space, 512), TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
        s.Run(new SyntheticEvaluator(space.Evolution.Samples));
        return s;
    }

    [Theory]
    [InlineData(false, 40.0)]
    [InlineData(true, 40.0)]
    [InlineData(true, 57.5)]
    public void The_stage_ends_at_the_first_generation_whose_work_reaches_the_budget(bool abandon, double budget)
    {
        var space = Space(budget, abandon);
        var s = Run(space);
        Assert.True(s.IsFinished);
        int k = space.Evolution.Samples, last = s.Evaluated.Max(e => e.Candidate.Generation);
        long Samples(int upTo) => s.Evaluated.Where(e => e.Candidate.Generation <= upTo).Sum(e => (long)e.Score.PerSampleNll.Length);
        Assert.True(Samples(last) >= budget * k, $"ended at generation {last} with {Samples(last)} samples, budget {budget * k}");
        if (last > 0) Assert.True(Samples(last - 1) < budget * k, $"generation {last - 1} had already reached the budget");
        Assert.True(last < space.Evolution.Generations);
    }

    [Fact]
    public void Abandoning_buys_more_generations_within_the_same_budget()
    {
        var without = Run(Space(60, abandon: false)).Evaluated.Max(e => e.Candidate.Generation);
        var with = Run(Space(60, abandon: true)).Evaluated.Max(e => e.Candidate.Generation);
        Assert.True(with > without, $"{with} generations with abandon, {without} without");
        // Without abandon every evaluation is full: 16 in generation 0, then 12 per generation, so a budget of 60 full
        // evaluations is reached after generation ⌈(60 − 16) / 12⌉ = 4.
        Assert.Equal(4, without);
        Assert.Equal(16 + 4 * 12, Run(Space(60, abandon: false)).Evaluated.Count);
    }

    [Fact]
    public void Progress_plans_the_evaluations_the_budget_allows_not_every_generation()
    {
        // Without abandon every evaluation costs one full evaluation, so the expectation is exact from the first
        // one on: 16 + ⌈(60 − 16) / 12⌉·12 = 64 evaluations, not the 16 + 30·12 = 376 of every generation.
        var space = Space(60, abandon: false);
        Assert.Equal(64, StageBudget.PlannedEvaluations(space.Evolution));
        Assert.Equal(16 + 30 * 12, StageBudget.PlannedEvaluations(space.Evolution with { FlopsBudget = null }));
        var s = new LongRopeSearcher(TestSpaces.Target(space, 512), TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
        var planned = new List<long>();
        s.Run(new SyntheticEvaluator(space.Evolution.Samples), _ => planned.Add(s.PlannedEvaluations));
        Assert.Equal(64, s.Evaluated.Count);
        Assert.All(planned, p => Assert.Equal(64, p));

        // With abandon it is an estimate from the children's mean cost so far; it ends on the count made.
        var a = new LongRopeSearcher(TestSpaces.Target(Space(60, abandon: true), 512), TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
        var estimates = new List<long>();
        a.Run(new SyntheticEvaluator(space.Evolution.Samples), _ => estimates.Add(a.PlannedEvaluations));
        Assert.Equal(a.Evaluated.Count, a.PlannedEvaluations);
        Assert.True(a.Evaluated.Count > 64, $"{a.Evaluated.Count} evaluations with abandon");
        Assert.All(estimates, p => Assert.True(p < 16 + 30 * 12, $"estimate {p} ignores the budget"));
    }

    [Fact]
    public void Without_a_budget_the_stage_runs_every_generation()
    {
        var space = Space(null, abandon: true, generations: 6);
        Assert.Equal(6, Run(space).Evaluated.Max(e => e.Candidate.Generation));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    public void A_budget_that_is_not_positive_is_one_line_naming_the_field(string value)
    {
        var e = Assert.Throws<InputException>(() => SearchSpaceFile.Parse("{\"flops_budget\": " + value + "}", "space.json", TestSpaces.Pairs, TestSpaces.OriginalLength));
        Assert.Contains("flops_budget", e.Message, StringComparison.Ordinal);
        Assert.Contains("space.json", e.Message, StringComparison.Ordinal);
        Assert.Equal(448, SearchSpaceFile.Parse("{\"flops_budget\": 448}", "space.json", TestSpaces.Pairs, TestSpaces.OriginalLength).Evolution.FlopsBudget);
    }
}
