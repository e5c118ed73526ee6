using LongRopeSearch.Core;
using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Search.Tests;

/// <summary>
/// Successive halving over samples (early_abandon.screen): every child of a generation with a rule is scored on its
/// first S samples, then only the Keep best of them on the rest. The expected cut in each test is worked out from the
/// synthetic fitness itself (a fresh evaluator with no rule), not from the searcher.
/// </summary>
public class ScreenTests
{
    private const int Keep = 4;

    private static SearchSpace Space(int screenSamples = 1, int keep = Keep, ulong seed = 9) =>
        TestSpaces.Small(seed: seed, abandon: true) is var s
            ? s with { Evolution = s.Evolution with { EarlyAbandon = s.Evolution.EarlyAbandon with { Screen = new ScreenSettings(screenSamples, keep) } } }
            : throw new InvalidOperationException();

    private static LongRopeSearcher Searcher(SearchSpace space) =>
        new(TestSpaces.Target(space, 512), TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);

    private static CandidateScore Evaluate(SyntheticEvaluator eval, SearchStep step) =>
        eval.Evaluate(step.Candidate.Factors, step.Length, step.Abandon, default);

    /// <summary>Runs the searcher a round at a time, reporting each round's results in the order <paramref name="order"/> gives.</summary>
    private static List<string> RunByRounds(LongRopeSearcher s, SyntheticEvaluator eval, Func<List<(long, CandidateScore)>, IEnumerable<(long, CandidateScore)>> order)
    {
        var after = new List<string>();
        while (!s.IsFinished)
        {
            var generation = s.Generation;
            var results = s.PendingSteps().Select(step => (step.Candidate.Id, Evaluate(eval, step))).ToList();
            foreach (var (id, score) in order(results)) s.Report(id, score);
            if (s.Generation != generation || s.IsFinished) after.Add(SearchStateJson.Serialize(s.Snapshot()));
        }
        return after;
    }

    [Theory]
    [InlineData(1, Keep)]
    [InlineData(2, 3)]
    public void Each_screened_generation_finishes_only_the_keep_best_of_its_children_on_the_screened_samples(int screenSamples, int keep)
    {
        var space = Space(screenSamples, keep);
        var s = Searcher(space);
        var eval = new SyntheticEvaluator(4);
        var rules = new Dictionary<int, AbandonRule?>();
        while (s.Next() is { } step)
        {
            rules.TryAdd(step.Candidate.Generation, step.Abandon);
            s.Report(step.Candidate.Id, Evaluate(eval, step));
        }
        var truth = new SyntheticEvaluator(4);  // every sample of every child, no rule
        int screened = 0;
        for (int g = 1; g <= space.Evolution.Generations; g++)
        {
            var kids = s.Evaluated.Where(e => e.Candidate.Generation == g).ToList();
            // The generation's threshold: the worst parent (Parents-th best full evaluation of the generations before).
            var t = s.Evaluated.Where(e => e.Candidate.Generation < g && !e.Score.Abandoned)
                .OrderBy(e => e.Score.MeanNll).ThenBy(e => e.Candidate.Id).ElementAt(space.Evolution.Parents - 1);
            Assert.Equal(t.Candidate.Id, rules[g]!.ThresholdCandidateId);
            Assert.Equal(screenSamples, rules[g]!.SampleLimit);
            var full = kids.ToDictionary(e => e.Candidate.Id, e => truth.Evaluate(e.Candidate.Factors, 512, null, default).PerSampleNll);
            // Survivors: children whose mean over the screened samples is within the margin of T's on the same samples.
            var expectedKept = kids
                .Where(e => Enumerable.Range(1, screenSamples).All(k =>
                    Enumerable.Range(0, k).Sum(j => full[e.Candidate.Id][j] - t.Score.PerSampleNll[j]) <= space.Evolution.EarlyAbandon.Margin * k))
                .OrderBy(e => Enumerable.Range(0, screenSamples).Sum(j => full[e.Candidate.Id][j])).ThenBy(e => e.Candidate.Id)
                .Take(keep).Select(e => e.Candidate.Id).ToHashSet();
            if (kids.Count > keep) screened++;
            foreach (var e in kids)
            {
                if (kids.Count <= keep) continue;  // a generation this small is not screened
                if (expectedKept.Contains(e.Candidate.Id))
                    Assert.True(e.Score.PerSampleNll.Length > screenSamples, $"generation {g}: kept child {e.Candidate.Id} stopped at the screen");
                else
                {
                    Assert.True(e.Score.Abandoned, $"generation {g}: child {e.Candidate.Id} finished but was not among the {keep} best on the screen");
                    Assert.True(e.Score.PerSampleNll.Length <= screenSamples);
                }
                // The bits are those of the uninterrupted fitness, whatever the round.
                Assert.Equal(full[e.Candidate.Id].Take(e.Score.PerSampleNll.Length), e.Score.PerSampleNll);
            }
        }
        Assert.True(screened >= space.Evolution.Generations - 1, $"only {screened} generations were screened");
        Assert.DoesNotContain(s.Evaluated, e => e.Candidate.Generation == 0 && e.Score.Abandoned);
    }

    [Fact]
    public void Reporting_each_round_in_shuffled_orders_gives_the_states_of_the_sequential_run()
    {
        var space = Space();
        var expected = RunByRounds(Searcher(space), new SyntheticEvaluator(4), r => r);
        Assert.Equal(space.Evolution.Generations + 1, expected.Count);
        foreach (var seed in new[] { 1, 2, 3, 99 })
        {
            var rnd = new Random(seed);
            var after = RunByRounds(Searcher(space), new SyntheticEvaluator(4), r => r.OrderBy(_ => rnd.Next()).ToList());
            Assert.Equal(expected, after);
        }
        // The screen saved samples: a generation finishes at most Keep children.
        var s = Searcher(space);
        RunByRounds(s, new SyntheticEvaluator(4), r => r);
        for (int g = 1; g <= space.Evolution.Generations; g++)
            Assert.True(s.Evaluated.Count(e => e.Candidate.Generation == g && !e.Score.Abandoned) <= Keep);
    }

    [Fact]
    public void A_restore_at_any_point_of_either_round_continues_exactly()
    {
        var space = Space(screenSamples: 2, keep: 3);
        var reference = Searcher(space);
        var refEval = new SyntheticEvaluator(4);
        var log = new List<string>();
        while (reference.Next() is { } step)
            foreach (var done in reference.Report(step.Candidate.Id, Evaluate(refEval, step))) log.Add($"{done.Candidate.Id}:{done.Score.MeanNll:R}:{done.Score.Abandoned}");
        var expected = SearchStateJson.Serialize(reference.Snapshot());

        foreach (var stopAfter in new[] { 16, 17, 27, 28, 30, 31, 45, 60 })
        {
            var s = Searcher(space);
            var eval = new SyntheticEvaluator(4);
            var got = new List<string>();
            for (int i = 0; i < stopAfter; i++)
            {
                var step = s.Next()!;
                foreach (var done in s.Report(step.Candidate.Id, Evaluate(eval, step))) got.Add($"{done.Candidate.Id}:{done.Score.MeanNll:R}:{done.Score.Abandoned}");
            }
            var json = SearchStateJson.Serialize(s.Snapshot());
            var restored = LongRopeSearcher.Restore(SearchStateJson.DeserializeSearcher(json));
            Assert.Equal(json, SearchStateJson.Serialize(restored.Snapshot()));
            while (restored.Next() is { } step)
                foreach (var done in restored.Report(step.Candidate.Id, Evaluate(eval, step))) got.Add($"{done.Candidate.Id}:{done.Score.MeanNll:R}:{done.Score.Abandoned}");
            Assert.Equal(log, got);
            Assert.Equal(expected, SearchStateJson.Serialize(restored.Snapshot()));
        }
    }

    [Fact]
    public void A_continuation_carries_the_screened_samples_and_its_result_adds_the_screen_time()
    {
        var space = Space(screenSamples: 1, keep: 2);
        var s = Searcher(space);
        var eval = new SyntheticEvaluator(4);
        foreach (var step in s.PendingSteps()) s.Report(step.Candidate.Id, Evaluate(eval, step));  // generation 0
        var screen = s.PendingSteps();
        Assert.All(screen, st => Assert.Equal(1, st.Abandon!.SampleLimit));
        Assert.All(screen, st => Assert.Null(st.CompletedSamples));
        var screenScores = new Dictionary<long, CandidateScore>();
        IReadOnlyList<EvaluatedCandidate> dropped = [];
        for (int k = 0; k < screen.Count; k++)
        {
            var sc = Evaluate(eval, screen[k]);
            Assert.Single(sc.PerSampleNll);
            // As a step evaluator returns it: the sample's NLL sum at its one step end (L − 1).
            screenScores[screen[k].Candidate.Id] = sc with { PrefixEnds = [511], PrefixNllSums = [[sc.PerSampleNll[0] * 511]], Seconds = 0.25 };
            var finals = s.Report(screen[k].Candidate.Id, screenScores[screen[k].Candidate.Id]);
            if (k < screen.Count - 1) Assert.Empty(finals);
            else dropped = finals;
        }
        var next = s.PendingSteps();
        Assert.InRange(next.Count, 1, 2);
        Assert.Equal(screen.Count, dropped.Count + next.Count);
        Assert.All(dropped, d => Assert.Same(screenScores[d.Candidate.Id], d.Score));
        foreach (var step in next)
        {
            Assert.Null(step.Abandon!.SampleLimit);
            Assert.Equal(screenScores[step.Candidate.Id].PrefixNllSums, step.CompletedSamples);
            var score = Evaluate(eval, step) with { Seconds = 5 };
            var finals = s.Report(step.Candidate.Id, score);
            var mine = Assert.Single(finals);
            Assert.Equal(5 + screenScores[step.Candidate.Id].Seconds, mine.Score.Seconds);
        }
    }

    [Fact]
    public void A_full_evaluation_offered_as_a_screen_result_is_refused()
    {
        var s = Searcher(Space());
        var eval = new SyntheticEvaluator(4);
        foreach (var step in s.PendingSteps()) s.Report(step.Candidate.Id, Evaluate(eval, step));
        var first = s.PendingSteps()[0];
        var full = eval.Evaluate(first.Candidate.Factors, first.Length, null, default);
        Assert.Throws<ArgumentException>(() => s.Report(first.Candidate.Id, full));
        Assert.True(s.IsPending(first.Candidate.Id));
    }

    [Theory]
    [InlineData("{\"samples\": 4, \"keep\": 2}", "early_abandon.screen.samples")]
    [InlineData("{\"samples\": 0, \"keep\": 2}", "early_abandon.screen.samples")]
    [InlineData("{\"samples\": 1, \"keep\": 0}", "early_abandon.screen.keep")]
    [InlineData("{\"samples\": 1}", "keep")]
    [InlineData("{\"samples\": 1, \"keep\": 2, \"rungs\": 3}", "rungs")]
    public void A_bad_screen_is_one_line_naming_the_field(string screen, string field)
    {
        var json = "{\"samples\": 4, \"early_abandon\": {\"screen\": " + screen + "}}";
        var e = Assert.Throws<InputException>(() => SearchSpaceFile.Parse(json, "space.json", TestSpaces.Pairs, TestSpaces.OriginalLength));
        Assert.Contains("space.json", e.Message, StringComparison.Ordinal);
        Assert.Contains(field, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_screen_is_read_from_a_space_file()
    {
        var space = SearchSpaceFile.Parse("{\"samples\": 4, \"early_abandon\": {\"screen\": {\"samples\": 1, \"keep\": 6}}}", "space.json", TestSpaces.Pairs, TestSpaces.OriginalLength);
        Assert.Equal(new ScreenSettings(1, 6), space.Evolution.EarlyAbandon.Screen);
    }
}
