using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Search.Tests;

/// <summary>The prefix comparison of <see cref="AbandonRule"/>, with sums worked out by hand.</summary>
public class PrefixAbandonRuleTests
{
    // Samples of L = 101 tokens: 100 positions, step ends 25, 50, 100. T's sums per sample at each end.
    private static readonly int[] Ends = [25, 50, 100];
    private static readonly double[][] T = [[25.0, 60.0, 150.0], [50.0, 100.0, 200.0]];

    private static AbandonRule Rule(double prefixMargin = 0.1) =>
        new(3, [1.5, 2.0], margin: 0.05, minSamples: 1, Ends, T, prefixMargin);

    [Fact]
    public void Inside_the_first_sample_the_excess_per_position_done_is_compared()
    {
        var rule = Rule();
        Assert.True(rule.HasPrefixRule);
        // 25 positions: 27.5 − 25 = 2.5 = 0.1 per position, not more than the margin.
        Assert.True(rule.ShouldContinueAfterStep(0, 0, 100, [27.5], [25]));
        // 2.6 over 25 positions = 0.104 > 0.1.
        Assert.False(rule.ShouldContinueAfterStep(0, 0, 100, [27.6], [25]));
        // 50 positions: 64.9 − 60 = 4.9 < 5.0.
        Assert.True(rule.ShouldContinueAfterStep(0, 1, 100, [64.9], [50]));
        Assert.False(rule.ShouldContinueAfterStep(0, 1, 100, [65.1], [50]));
        Assert.False(rule.ShouldContinueAfterStep(0, 0, 100, [double.PositiveInfinity], [25]));
    }

    [Fact]
    public void Inside_a_later_sample_the_complete_samples_count_too()
    {
        var rule = Rule();
        // Sample 0 complete at 145 (5 better than T's 150), sample 1 at 25 positions: 57 vs 50 (+7).
        // Excess 7 − 5 = 2 over 125 positions = 0.016 ≤ 0.1: continue; alone, +7 over 25 = 0.28 would stop.
        Assert.True(rule.ShouldContinueAfterStep(1, 0, 100, [145.0, 57.0], [100, 25]));
        // Sample 0 at 160 (+10), sample 1 at 55 (+5): 15 over 125 = 0.12 > 0.1.
        Assert.False(rule.ShouldContinueAfterStep(1, 0, 100, [160.0, 55.0], [100, 25]));
    }

    [Fact]
    public void At_the_end_of_a_sample_it_is_the_per_sample_rule()
    {
        var rule = Rule(prefixMargin: 100);
        // Sample 0 complete: mean NLL 1.56 vs T's 1.5 → +0.06 > 0.05 stops, whatever the prefix margin.
        Assert.False(rule.ShouldContinueAfterStep(0, 2, 100, [156.0], [100]));
        Assert.True(rule.ShouldContinueAfterStep(0, 2, 100, [154.0], [100]));
        // The last sample complete: never abandoned (the evaluation is done).
        Assert.True(rule.ShouldContinueAfterStep(1, 2, 100, [900.0, 900.0], [100, 100]));
    }

    [Fact]
    public void Without_prefix_sums_or_at_other_ends_only_the_per_sample_rule_acts()
    {
        var plain = new AbandonRule(3, [1.5, 2.0], margin: 0.05, minSamples: 1);
        Assert.False(plain.HasPrefixRule);
        Assert.True(plain.ShouldContinueAfterStep(0, 0, 100, [99.0], [25]));
        Assert.False(plain.ShouldContinueAfterStep(0, 2, 100, [156.0], [100]));
        // A step whose end is not one the threshold was recorded at: no comparison.
        Assert.True(Rule().ShouldContinueAfterStep(0, 0, 100, [99.0], [30]));
        // Another length (positions differ from the recorded ends'): no comparison.
        Assert.True(Rule().ShouldContinueAfterStep(0, 0, 200, [99.0], [25]));
    }

    [Fact]
    public void Stops_checks_an_abandoned_score_against_the_rule()
    {
        var rule = Rule();
        var cut = new CandidateScore([], 27.6 / 25, Abandoned: true, 0) { PrefixEnds = Ends, PrefixNllSums = [[27.6]] };
        var notCut = cut with { PrefixNllSums = [[27.4]] };
        Assert.True(rule.Stops(cut));
        Assert.False(rule.Stops(notCut));
        // Abandoned after a complete sample, judged by the per-sample rule from its sums.
        var afterSample = new CandidateScore([1.56], 1.56, Abandoned: true, 0) { PrefixEnds = Ends, PrefixNllSums = [[26.0, 61.0, 156.0]] };
        Assert.True(rule.Stops(afterSample));
    }

    [Fact]
    public void Ends_follow_the_fractions_of_the_positions()
    {
        var p = new PrefixAbandonSettings { Fractions = [0.125, 0.25, 0.5] };
        Assert.Equal([255, 511, 1023, 2047], p.EndsFor(2048));
        // Ends that round to 0 or repeat are dropped; the last is always L − 1.
        Assert.Equal([1, 2, 4], new PrefixAbandonSettings { Fractions = [0.1, 0.25, 0.3, 0.5] }.EndsFor(5));
    }
}
