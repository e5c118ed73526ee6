using System.Globalization;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Search.Tests;

public class GridAndSnapTests
{
    [Fact]
    public void Grid_values_are_the_doubles_of_their_decimal_text()
    {
        var ts = TestSpaces.Target(TestSpaces.Small(), 512);
        Assert.Equal(1.0m, ts.GridOrigin);
        for (int k = 0; k < 200; k++)
        {
            var text = $"{(100 + k) / 100}.{(100 + k) % 100:00}";
            Assert.Equal(double.Parse(text, CultureInfo.InvariantCulture), ts.GridValue(k));
        }
    }

    [Fact]
    public void Bounds_default_to_one_and_a_quarter_times_the_scale()
    {
        var ts = TestSpaces.Target(TestSpaces.Small(), 512);   // s = 8 → λ ∈ [1, 10]
        Assert.All(ts.LowIndex, i => Assert.Equal(0, i));
        Assert.All(ts.HighIndex, i => Assert.Equal(900, i));
        Assert.Equal(10.0, ts.GridValue(ts.HighIndex[0]));
    }

    [Fact]
    public void N_hat_choices_are_capped_below_the_length()
    {
        var short128 = TargetSpace.Create(TestSpaces.Small(), FactorKind.Short, 128, null, 1.0);
        Assert.Equal([0, 1, 2, 4, 8, 16, 32, 64], short128.NHatChoices);
    }

    [Fact]
    public void A_seed_snaps_onto_the_grid_within_bounds_monotone_with_the_nearest_n_hat()
    {
        var space = TestSpaces.Target(TestSpaces.Small(), 512);
        // Off-grid, below the lower bound, a dip, above the upper bound; n̂ 11 is nearest to 8 (and 12 would tie 8/16 → 8).
        var seed = new FactorSet([0.5, 1.234, 1.1, 2.0049, 2.0051, 7.5, 9.999, 30.0], nHat: 11, attentionFactor: 3.0);
        var searcher = new LongRopeSearcher(space, [new SeedCandidate("odd", seed)], 1UL);
        var f = searcher.Next()!.Candidate.Factors;
        Assert.Equal([1.0, 1.23, 1.23, 2.0, 2.01, 7.5, 10.0, 10.0], f.Lambda);
        Assert.Equal(8, f.NHat);
        Assert.Equal(space.AttentionFactor, f.AttentionFactor);
        Assert.Equal("odd", searcher.Next()!.Candidate.Origin);
    }

    [Fact]
    public void Longrope_default_attention_factor_is_sqrt_of_one_plus_ln_s_over_ln_L0()
    {
        var af = new AttentionFactorSetting();
        Assert.Equal(Math.Sqrt(1 + Math.Log(8) / Math.Log(64)), af.For(512, 64), 15);
        Assert.Equal(1.0, af.For(64, 64));
        Assert.Equal(1.0, af.For(32, 64));
        Assert.Equal(1.3, new AttentionFactorSetting(AttentionFactorPolicy.Fixed, 1.3).For(512, 64));
    }

    [Fact]
    public void Critical_dimension_ntk_below_derives_lower_pairs_from_the_ntk_curve()
    {
        var space = TestSpaces.Small() with { CriticalDimension = new CriticalDimensionSetting(CriticalDimensionMode.FromModel, null, CriticalDimensionRule.NtkBelow) };
        var ts = TestSpaces.Target(space, 512, criticalPair: 3);
        var searcher = new LongRopeSearcher(ts, TestSpaces.Baselines(TestSpaces.Pairs, 8), 5UL);
        var eval = new SyntheticEvaluator(4);
        searcher.Run(eval);
        foreach (var e in searcher.Evaluated)
        {
            var l = e.Candidate.Factors.Lambda;
            for (int i = 0; i < 3; i++)
            {
                var expected = Math.Round(Math.Pow(l[3], i / 3.0), 2);
                Assert.Equal(expected, l[i], 9);
            }
        }
    }
}

public class CriticalDimensionRuleTests
{
    [Fact]
    public void Longrope2_bounds_pairs_from_the_critical_one_up_below_by_the_scale_and_searches_the_rest()
    {
        var space = TestSpaces.Small() with { CriticalDimension = new CriticalDimensionSetting(CriticalDimensionMode.FromModel) };
        var ts = TestSpaces.Target(space, 512, criticalPair: 3);   // s = 8
        Assert.Equal(CriticalDimensionRule.LongRope2, ts.CriticalRule);
        Assert.Equal(0, ts.FirstSearchedPair);
        Assert.Equal([1.0, 1.0, 1.0, 8.0, 8.0, 8.0, 8.0, 8.0], ts.LowIndex.Select(ts.GridValue));
        Assert.All(ts.HighIndex, i => Assert.Equal(10.0, ts.GridValue(i)));

        var searcher = new LongRopeSearcher(ts, TestSpaces.Baselines(TestSpaces.Pairs, 8), 5UL);
        searcher.Run(new SyntheticEvaluator(4));
        foreach (var e in searcher.Evaluated)
        {
            var l = e.Candidate.Factors.Lambda;
            for (int i = 3; i < l.Count; i++) Assert.True(l[i] >= 8.0, $"pair {i}: {l[i]} < s in {e.Candidate}");
        }
        // The pairs below k are searched: they take many values, not one curve of λ_k.
        Assert.True(searcher.Evaluated.Select(e => e.Candidate.Factors.Lambda[1]).Distinct().Count() > 10);
        Assert.Contains(searcher.Evaluated, e => Math.Abs(e.Candidate.Factors.Lambda[1] - Math.Round(Math.Pow(e.Candidate.Factors.Lambda[3], 1 / 3.0), 2)) > 0.05);
    }

    [Fact]
    public void Longrope2_at_the_short_stage_uses_its_own_scale_and_does_nothing_at_or_below_L0()
    {
        var space = TestSpaces.Small() with { CriticalDimension = new CriticalDimensionSetting(CriticalDimensionMode.Explicit, 5) };
        var short128 = TargetSpace.Create(space, FactorKind.Short, 128, null, 1.0);   // s = 2
        Assert.Equal([1.0, 1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0], short128.LowIndex.Select(short128.GridValue));
        var short64 = TargetSpace.Create(space, FactorKind.Short, 64, null, 1.0);     // s = 1
        Assert.All(short64.LowIndex, i => Assert.Equal(0, i));
    }

    [Fact]
    public void A_seed_below_the_longrope2_bound_is_raised_to_it()
    {
        var space = TestSpaces.Small() with { CriticalDimension = new CriticalDimensionSetting(CriticalDimensionMode.Explicit, 4) };
        var ts = TestSpaces.Target(space, 512);
        var ntkLike = TestSpaces.Baselines(TestSpaces.Pairs, 8)[1];
        var searcher = new LongRopeSearcher(ts, [ntkLike], 1UL);
        var f = searcher.Next()!.Candidate.Factors;
        for (int i = 0; i < 4; i++) Assert.Equal(Math.Round(ntkLike.Factors.Lambda[i], 2), f.Lambda[i], 12);
        for (int i = 4; i < 8; i++) Assert.Equal(Math.Max(8.0, Math.Round(ntkLike.Factors.Lambda[i], 2)), f.Lambda[i], 12);
    }
}
