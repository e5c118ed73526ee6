using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Search.Tests;

/// <summary>
/// The search as a generation batch: every pending candidate of a generation handed out at once, results accepted
/// in any order, the next generation bred from them in candidate-id order, and one abandon rule frozen per
/// generation. The reference in each test is the sequential Next()/Report() run of the same space and seed.
/// </summary>
public class GenerationBatchTests
{
    private static readonly int[] ShuffleSeeds = [1, 2, 3, 17, 4242];

    private static SearchSpace Space(bool searchAttention) =>
        searchAttention ? TestSpaces.SmallSearchingAttention(seed: 9, abandon: true) : TestSpaces.Small(seed: 9, abandon: true);

    private static SyntheticEvaluator Evaluator(bool searchAttention) =>
        new(4) { OptimumAttentionFactor = searchAttention ? 1.17 : null };

    private static CandidateScore Evaluate(SyntheticEvaluator eval, SearchStep step) =>
        eval.Evaluate(step.Candidate.Factors, step.Length, step.Abandon, default);

    private static void Shuffle<T>(List<T> list, Random rnd)
    {
        for (int i = list.Count - 1; i > 0; i--)
        {
            var j = rnd.Next(i + 1);
            (list[i], list[j]) = (list[j], list[i]);
        }
    }

    /// <summary>What must be identical after each generation: the state text, the best and the evaluation order.</summary>
    private static string AfterGeneration(LongRopeSearcher s) =>
        SearchStateJson.Serialize(s.Snapshot()) + "\n" + s.Best?.Candidate.Id + "\n" + string.Join(",", s.Evaluated.Select(e => e.Candidate.Id));

    private static List<string> SequentialGenerations(SearchSpace space, SyntheticEvaluator eval)
    {
        var ts = TestSpaces.Target(space, 512);
        var s = new LongRopeSearcher(ts, TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
        var after = new List<string>();
        while (s.Next() is { } step)
        {
            var generation = s.Generation;
            s.Report(step.Candidate.Id, Evaluate(eval, step));
            if (s.Generation != generation || s.IsFinished) after.Add(AfterGeneration(s));
        }
        return after;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Results_reported_in_shuffled_orders_give_bit_identical_states_best_and_history_after_each_generation(bool searchAttention)
    {
        var space = Space(searchAttention);
        var expected = SequentialGenerations(space, Evaluator(searchAttention));
        Assert.Equal(space.Evolution.Generations + 1, expected.Count);

        foreach (var seed in ShuffleSeeds)
        {
            var rnd = new Random(seed);
            var eval = Evaluator(searchAttention);
            var s = new LongRopeSearcher(TestSpaces.Target(space, 512), TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
            var after = new List<string>();
            while (!s.IsFinished)
            {
                // Workers evaluate the whole generation, results come back in any order.
                var results = s.PendingSteps().Select(step => (step.Candidate.Id, Score: Evaluate(eval, step))).ToList();
                Shuffle(results, rnd);
                foreach (var (id, score) in results) s.Report(id, score);
                after.Add(AfterGeneration(s));
            }
            Assert.Equal(expected.Count, after.Count);
            for (int g = 0; g < expected.Count; g++)
                Assert.True(expected[g] == after[g], $"shuffle seed {seed}: state after generation {g} differs");
        }
    }

    [Fact]
    public void A_whole_plan_run_a_generation_at_a_time_in_shuffled_order_matches_the_sequential_run()
    {
        var space = TestSpaces.SmallSearchingAttention(seed: 5, abandon: true);
        var sequential = ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), TestSpaces.BaselineProvider);
        var expectedStates = new List<string>();
        var seqEval = Evaluator(true);
        while (sequential.Next() is { } step)
        {
            var before = (step.StageIndex, step.Candidate.Generation);
            sequential.Report(step.Candidate.Id, Evaluate(seqEval, step));
            var next = sequential.Next();
            if (next is null || (next.StageIndex, next.Candidate.Generation) != before) expectedStates.Add(SearchStateJson.Serialize(sequential.Snapshot()));
        }

        foreach (var seed in ShuffleSeeds.Take(3))
        {
            var rnd = new Random(seed);
            var eval = Evaluator(true);
            var search = ProgressiveSearch.Start(space, SearchPlan.FromSpace(space), TestSpaces.BaselineProvider);
            var states = new List<string>();
            while (!search.IsFinished)
            {
                var results = search.PendingSteps().Select(step => (step.Candidate.Id, Score: Evaluate(eval, step))).ToList();
                Shuffle(results, rnd);
                foreach (var (id, score) in results) search.Report(id, score);
                states.Add(SearchStateJson.Serialize(search.Snapshot()));
            }
            Assert.Equal(expectedStates, states);
            Assert.Equal(SnapshotRestoreTests.Describe(sequential.Result()), SnapshotRestoreTests.Describe(search.Result()));
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_snapshot_mid_generation_with_out_of_order_reports_restores_and_continues_identically(bool searchAttention)
    {
        var space = Space(searchAttention);
        var expected = SequentialGenerations(space, Evaluator(searchAttention));

        foreach (var seed in ShuffleSeeds)
        {
            var rnd = new Random(seed);
            var eval = Evaluator(searchAttention);
            var s = new LongRopeSearcher(TestSpaces.Target(space, 512), TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
            var after = new List<string>();
            var stopIn = rnd.Next(space.Evolution.Generations + 1);   // the generation to interrupt
            while (!s.IsFinished)
            {
                var results = s.PendingSteps().Select(step => (step.Candidate.Id, Score: Evaluate(eval, step))).ToList();
                Shuffle(results, rnd);
                if (s.Generation == stopIn)
                {
                    // Part of the generation in, in shuffled order; the rest in flight when the snapshot is taken.
                    var done = results.Take(1 + rnd.Next(results.Count - 1)).ToList();
                    foreach (var (id, score) in done) s.Report(id, score);
                    var json = SearchStateJson.Serialize(s.Snapshot());
                    Assert.Equal(done.Count, s.Snapshot().Reported.Count);
                    Assert.Equal(done.Select(d => d.Id).Order(), s.Snapshot().Reported.Select(r => r.CandidateId));   // id order, whatever the arrival

                    // The same results in another order give the same text.
                    var other = new LongRopeSearcher(TestSpaces.Target(space, 512), TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
                    var otherEval = Evaluator(searchAttention);
                    while (other.Generation < stopIn)
                        foreach (var step in other.PendingSteps()) other.Report(step.Candidate.Id, Evaluate(otherEval, step));
                    foreach (var (id, score) in Enumerable.Reverse(done)) other.Report(id, score);
                    Assert.Equal(json, SearchStateJson.Serialize(other.Snapshot()));

                    s = LongRopeSearcher.Restore(SearchStateJson.DeserializeSearcher(json));
                    Assert.Equal(json, SearchStateJson.Serialize(s.Snapshot()));
                    var remaining = s.PendingSteps().Select(step => step.Candidate.Id).ToHashSet();
                    Assert.Equal(results.Skip(done.Count).Select(r => r.Id).ToHashSet(), remaining);
                    results = results.Skip(done.Count).ToList();
                    Shuffle(results, rnd);
                }
                foreach (var (id, score) in results) s.Report(id, score);
                after.Add(AfterGeneration(s));
            }
            Assert.Equal(expected, after);
        }
    }

    [Fact]
    public void The_frozen_rule_is_the_same_object_for_every_candidate_of_a_generation()
    {
        var space = TestSpaces.Small(seed: 4, abandon: true);
        var s = new LongRopeSearcher(TestSpaces.Target(space, 512), TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
        var eval = new SyntheticEvaluator(4);
        var rnd = new Random(8);
        var rules = new List<AbandonRule?>();
        while (!s.IsFinished)
        {
            var steps = s.PendingSteps().ToList();
            var rule = s.CurrentRule;
            Assert.All(steps, step => Assert.Same(rule, step.Abandon));
            Assert.Same(rule, s.Next()!.Abandon);
            Shuffle(steps, rnd);
            for (int i = 0; i < steps.Count; i++)
            {
                // Reports in between change nothing: the remaining candidates still get the same object.
                Assert.All(s.PendingSteps(), step => Assert.Same(rule, step.Abandon));
                s.Report(steps[i].Candidate.Id, Evaluate(eval, steps[i]));
            }
            rules.Add(rule);
        }
        Assert.Null(rules[0]);
        Assert.All(rules.Skip(1), r => Assert.NotNull(r));
        Assert.True(rules.Skip(1).Distinct().Count() == rules.Count - 1, "each generation has its own rule object");
    }

    [Fact]
    public void A_restored_generation_offers_an_equal_rule()
    {
        var space = TestSpaces.Small(seed: 4, abandon: true);
        var s = new LongRopeSearcher(TestSpaces.Target(space, 512), TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
        var eval = new SyntheticEvaluator(4);
        while (s.Generation < 3)
            foreach (var step in s.PendingSteps()) s.Report(step.Candidate.Id, Evaluate(eval, step));
        var last = s.PendingSteps()[^1];
        s.Report(last.Candidate.Id, Evaluate(eval, last));   // one out of order
        var restored = LongRopeSearcher.Restore(SearchStateJson.DeserializeSearcher(SearchStateJson.Serialize(s.Snapshot())));
        Assert.Equal(s.CurrentRule!.ThresholdCandidateId, restored.CurrentRule!.ThresholdCandidateId);
        Assert.Equal(s.CurrentRule.ThresholdPerSampleNll, restored.CurrentRule.ThresholdPerSampleNll);
        Assert.Equal(s.PendingSteps().Select(p => p.Candidate.Id), restored.PendingSteps().Select(p => p.Candidate.Id));
        Assert.False(restored.IsPending(last.Candidate.Id));
    }

    [Fact]
    public void Next_is_the_lowest_id_not_yet_reported_and_counters_and_best_so_far_include_the_received_results()
    {
        var space = TestSpaces.Small(seed: 4);
        var s = new LongRopeSearcher(TestSpaces.Target(space, 512), TestSpaces.Baselines(TestSpaces.Pairs, 8), space.Seed);
        var eval = new SyntheticEvaluator(4);
        var steps = s.PendingSteps();
        Assert.Equal(space.Evolution.Population, steps.Count);
        Assert.Equal(steps.Select(p => p.Candidate.Id).Order(), steps.Select(p => p.Candidate.Id));

        s.Report(steps[2].Candidate.Id, Evaluate(eval, steps[2]));
        Assert.Equal(steps[0].Candidate.Id, s.Next()!.Candidate.Id);
        s.Report(steps[0].Candidate.Id, Evaluate(eval, steps[0]));
        Assert.Equal(steps[1].Candidate.Id, s.Next()!.Candidate.Id);
        Assert.Equal(space.Evolution.Population - 2, s.PendingCount);
        Assert.Equal(2, s.Counters.Evaluations);
        Assert.Empty(s.Evaluated);   // recorded when the generation is complete
        Assert.Null(s.Best);
        var received = new[] { steps[0], steps[2] }.Select(p => (p.Candidate.Id, Evaluate(new SyntheticEvaluator(4), p).MeanNll)).MinBy(p => p.MeanNll);
        Assert.Equal(received.Id, s.BestSoFar!.Candidate.Id);
    }
}
