using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Search.Tests;

public class EarlyAbandonTests
{
    [Fact]
    public void Rule_compares_sample_aligned_means_with_a_margin()
    {
        // Threshold per sample: an easy sample (1.0) then hard ones (3.0).
        var rule = new AbandonRule(7, [1.0, 3.0, 3.0, 3.0], margin: 0.05, minSamples: 1);
        Assert.True(rule.ShouldContinue(1, [1.04]));          // +0.04 ≤ 0.05
        Assert.False(rule.ShouldContinue(1, [1.06]));         // +0.06 > 0.05
        Assert.True(rule.ShouldContinue(2, [1.06, 3.0]));     // mean excess 0.03
        Assert.False(rule.ShouldContinue(2, [1.2, 3.0]));     // mean excess 0.1
        // A candidate whose raw mean (2.0) is lower than the threshold's overall mean (2.5) but worse sample by sample is abandoned.
        Assert.False(rule.ShouldContinue(2, [1.5, 3.5]));
        Assert.False(rule.ShouldContinue(1, [double.NaN]));
    }

    [Fact]
    public void Rule_never_fires_before_min_samples_or_on_the_last_sample()
    {
        var rule = new AbandonRule(0, [1.0, 1.0, 1.0], margin: 0.0, minSamples: 2);
        Assert.True(rule.ShouldContinue(1, [9.0]));
        Assert.False(rule.ShouldContinue(2, [9.0, 9.0]));
        Assert.True(rule.ShouldContinue(3, [9.0, 9.0, 9.0]));
        Assert.True(rule.ShouldContinue(0, []));
    }

    [Fact]
    public void Abandon_saves_evaluations_and_keeps_the_same_search()
    {
        var space = TestSpaces.Small(seed: 21, samples: 4);
        var (off, evalOff) = Run(space);
        var (on, evalOn) = Run(space with { Evolution = space.Evolution with { EarlyAbandon = new EarlyAbandonSettings(true, 0.05, 1) } });

        Assert.True(on.Counters.Abandoned > 0);
        Assert.True(on.Counters.FullEvaluationsSaved > 0);
        Assert.Equal(0, off.Counters.Abandoned);
        // Saved = skipped samples / K, by an independent count of the scores.
        var skipped = on.Evaluated.Where(e => e.Score.Abandoned).Sum(e => 4 - e.Score.PerSampleNll.Length);
        Assert.Equal(skipped / 4.0, on.Counters.FullEvaluationsSaved, 12);
        // The synthetic noise (±0.002) is far below the margin, so every abandoned candidate was truly worse than a
        // surviving parent: the parents, hence the whole sequence and the best, are the same as without abandoning.
        Assert.Equal(evalOff.Calls, evalOn.Calls);
        Assert.Equal(off.Best!.Candidate.Key, on.Best!.Candidate.Key);
        Assert.All(on.RankedFull, e => Assert.False(e.Score.Abandoned));
        Assert.DoesNotContain(on.Evaluated.Where(e => e.Score.Abandoned).Select(e => e.Candidate.Id),
            id => on.Evaluated.Any(c => c.Candidate.ParentIds.Contains(id)));
    }

    [Theory]
    [InlineData(null)]  // the worst parent (Parents = 8)
    [InlineData(3)]     // early_abandon.threshold_rank: a stricter cut
    [InlineData(1)]
    public void Generation_0_has_no_rule_and_each_later_one_the_parents_th_best_of_the_generations_before_it(int? rank)
    {
        var space = TestSpaces.Small(abandon: true);
        space = space with { Evolution = space.Evolution with { EarlyAbandon = space.Evolution.EarlyAbandon with { ThresholdRank = rank } } };
        var ts = TestSpaces.Target(space, 512);
        var s = new LongRopeSearcher(ts, TestSpaces.Baselines(TestSpaces.Pairs, 8), 1UL);
        var eval = new SyntheticEvaluator(4);
        var rules = new Dictionary<int, AbandonRule?>();
        while (s.Next() is { } step)
        {
            if (!rules.TryAdd(step.Candidate.Generation, step.Abandon)) Assert.Same(rules[step.Candidate.Generation], step.Abandon);
            s.Report(step.Candidate.Id, eval.Evaluate(step.Candidate.Factors, step.Length, step.Abandon, default));
        }
        Assert.Null(rules[0]);
        Assert.DoesNotContain(s.Evaluated, e => e.Candidate.Generation == 0 && e.Score.Abandoned);
        for (int g = 1; g <= space.Evolution.Generations; g++)
        {
            // The threshold is the Parents-th (or rank-th) best full evaluation of generations < g, found independently.
            var expected = s.Evaluated.Where(e => e.Candidate.Generation < g && !e.Score.Abandoned)
                .OrderBy(e => e.Score.MeanNll).ThenBy(e => e.Candidate.Id).ElementAt((rank ?? space.Evolution.Parents) - 1);
            Assert.Equal(expected.Candidate.Id, rules[g]!.ThresholdCandidateId);
            Assert.Equal(expected.Score.PerSampleNll, rules[g]!.ThresholdPerSampleNll);
        }
        Assert.Contains(s.Evaluated, e => e.Score.Abandoned);
    }

    private static (LongRopeSearcher, SyntheticEvaluator) Run(SearchSpace space)
    {
        var ts = TestSpaces.Target(space, 512);
        var s = new LongRopeSearcher(ts, TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
        var eval = new SyntheticEvaluator(space.Evolution.Samples);
        s.Run(eval);
        return (s, eval);
    }
}
