using System.Globalization;
using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Search.Tests;

public class SearcherTests
{
    private static (LongRopeSearcher Searcher, SyntheticEvaluator Eval) RunOne(SearchSpace space, int length = 512)
    {
        var ts = TestSpaces.Target(space, length);
        var searcher = new LongRopeSearcher(ts, TestSpaces.Baselines(space.Pairs, ts.Scale), space.Seed);
        var eval = new SyntheticEvaluator(space.Evolution.Samples) { OriginalLength = space.OriginalLength };
        searcher.Run(eval);
        return (searcher, eval);
    }

    [Fact]
    public void The_search_improves_on_its_seeds()
    {
        var (searcher, eval) = RunOne(TestSpaces.Small());
        var seedBest = searcher.Evaluated.Where(e => e.Candidate.Origin is "pi" or "ntk").Min(e => e.Score.MeanNll);
        var best = searcher.Best!;
        Assert.True(best.Score.MeanNll < seedBest - 0.1, $"best {best.Score.MeanNll} vs seeds {seedBest}");
        // The best is the lowest mean among full evaluations, by an independent scan.
        Assert.Equal(searcher.Evaluated.Where(e => !e.Score.Abandoned).Min(e => e.Score.MeanNll), best.Score.MeanNll);
        Assert.True(eval.Calls.Count > 50);
    }

    [Fact]
    public void No_factor_set_is_evaluated_twice()
    {
        var (_, eval) = RunOne(TestSpaces.Small());
        Assert.Equal(eval.Calls.Count, eval.Calls.Select(c => c.Key).Distinct().Count());
        var (_, evalAf) = RunOne(TestSpaces.SmallSearchingAttention());
        Assert.Equal(evalAf.Calls.Count, evalAf.Calls.Select(c => c.Key).Distinct().Count());
    }

    [Fact]
    public void Every_candidate_is_on_the_grid_within_bounds_monotone_with_an_allowed_n_hat()
    {
        var space = TestSpaces.Small();
        var (searcher, _) = RunOne(space);
        var ts = searcher.Space;
        foreach (var e in searcher.Evaluated)
        {
            var f = e.Candidate.Factors;
            for (int i = 0; i < f.Pairs; i++)
            {
                var l = f.Lambda[i];
                Assert.InRange(l, 1.0, 10.0);
                // On the 0.01 grid: equal to the double of its own two-decimal text.
                Assert.Equal(double.Parse(l.ToString("F2", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), l);
                if (i > 0) Assert.True(l >= f.Lambda[i - 1], $"not monotone at {i}: {f.Key}");
            }
            Assert.Contains(f.NHat, space.NHatChoices);
            Assert.True(f.NHat < 512);
            Assert.Equal(ts.AttentionFactor, f.AttentionFactor);
        }
    }

    [Fact]
    public void Evaluation_count_matches_the_plan()
    {
        var space = TestSpaces.Small();
        var (searcher, eval) = RunOne(space);
        var e = space.Evolution;
        // `generations` counts the generations of children after the initial population (microsoft/LongRoPE's
        // max_time_budget): 16 + 10·12 = 136 here, 64 + 40·32 = 1,344 with LongRoPE's defaults.
        Assert.Equal(e.Population + e.Generations * (e.Mutations + e.Crossovers) - searcher.Counters.ChildrenGivenUp, eval.Calls.Count);
        Assert.Equal(e.Generations, searcher.Generation);
        Assert.Equal(e.Generations + 1, searcher.Evaluated.Select(x => x.Candidate.Generation).Distinct().Count());
        Assert.Equal(eval.Calls.Count, searcher.PlannedEvaluations);
    }

    [Fact]
    public void Parents_of_each_generation_are_the_best_full_evaluations_before_it()
    {
        var (searcher, _) = RunOne(TestSpaces.Small());
        var parents = searcher.Space.Evolution.Parents;
        foreach (var child in searcher.Evaluated.Where(e => e.Candidate.Generation > 0))
        {
            // Everything evaluated in earlier generations, ranked independently by (mean, id).
            var earlier = searcher.Evaluated.Where(e => e.Candidate.Generation < child.Candidate.Generation && !e.Score.Abandoned)
                .OrderBy(e => e.Score.MeanNll).ThenBy(e => e.Candidate.Id).Take(parents).Select(e => e.Candidate.Id).ToHashSet();
            Assert.All(child.Candidate.ParentIds, p => Assert.Contains(p, earlier));
        }
    }

    [Fact]
    public void Same_seed_same_sequence_and_result()
    {
        var (a, ea) = RunOne(TestSpaces.Small(seed: 11));
        var (b, eb) = RunOne(TestSpaces.Small(seed: 11));
        Assert.Equal(ea.Calls, eb.Calls);
        Assert.Equal(a.Best!.Candidate.Key, b.Best!.Candidate.Key);
    }

    [Fact]
    public void Different_seed_different_sequence()
    {
        var (_, ea) = RunOne(TestSpaces.Small(seed: 11));
        var (_, eb) = RunOne(TestSpaces.Small(seed: 12));
        // The seeds themselves come first in both; the mutations after them differ.
        Assert.NotEqual(ea.Calls.Skip(2).Take(10), eb.Calls.Skip(2).Take(10));
    }

    [Fact]
    public void Identical_seeds_are_evaluated_once()
    {
        var ts = TestSpaces.Target(TestSpaces.Small(), 512);
        var seeds = TestSpaces.Baselines(TestSpaces.Pairs, 8).Concat(TestSpaces.Baselines(TestSpaces.Pairs, 8.001)).ToList();
        var s = new LongRopeSearcher(ts, seeds, 1UL);
        Assert.Equal(2, s.Counters.SeedDuplicates);
        Assert.Equal(ts.Evolution.Population, s.PendingCount);
    }

    [Fact]
    public void A_tiny_exhausted_space_ends_without_looping_or_repeating()
    {
        // Two pairs, λ ∈ {1.00, 1.01, 1.02} monotone, n̂ ∈ {0}: only 6 genomes exist.
        var space = new SearchSpace
        {
            Pairs = 2, OriginalLength = 64, Lambda = new LambdaBounds { Max = 1.02m }, NHatChoices = [0],
            Evolution = new EvolutionSettings { Population = 10, Generations = 5, Parents = 3, Mutations = 2, Crossovers = 2, Samples = 2, MaxMutationTries = 20 },
        };
        var ts = TestSpaces.Target(space, 128);
        var s = new LongRopeSearcher(ts, [new SeedCandidate("one", LongRopeSearch.Rope.FactorSet.Identity(2))], 1UL);
        var eval = new SyntheticEvaluator(2);
        s.Run(eval);
        Assert.Equal(6, eval.Calls.Count);
        Assert.Equal(6, eval.Calls.Select(c => c.Key).Distinct().Count());
        Assert.True(s.IsFinished);
    }

    [Fact]
    public void Report_rejects_a_wrong_candidate_or_sample_count()
    {
        var ts = TestSpaces.Target(TestSpaces.Small(), 512);
        var s = new LongRopeSearcher(ts, TestSpaces.Baselines(TestSpaces.Pairs, 8), 1UL);
        var step = s.Next()!;
        // An id outside the running generation.
        Assert.Throws<InvalidOperationException>(() => s.Report(step.Candidate.Id + s.PendingCount, CandidateScore.FromSamples([1, 1, 1, 1])));
        Assert.Throws<ArgumentException>(() => s.Report(step.Candidate.Id, CandidateScore.FromSamples([1, 1, 1])));
        // No rule was offered (too few full evaluations yet), so an abandoned score is refused.
        Assert.Throws<ArgumentException>(() => s.Report(step.Candidate.Id, CandidateScore.FromSamples([9], abandoned: true)));
        s.Report(step.Candidate.Id, CandidateScore.FromSamples([1, 1, 1, 1]));
        Assert.NotEqual(step.Candidate.Id, s.Next()!.Candidate.Id);
        // Reported once only.
        Assert.Throws<InvalidOperationException>(() => s.Report(step.Candidate.Id, CandidateScore.FromSamples([1, 1, 1, 1])));
    }

    [Fact]
    public void Next_does_not_change_the_state()
    {
        var ts = TestSpaces.Target(TestSpaces.Small(), 512);
        var s = new LongRopeSearcher(ts, TestSpaces.Baselines(TestSpaces.Pairs, 8), 1UL);
        var before = SearchStateJson.Serialize(s.Snapshot());
        var a = s.Next()!;
        var b = s.Next()!;
        Assert.Same(a.Candidate, b.Candidate);
        Assert.Equal(before, SearchStateJson.Serialize(s.Snapshot()));
    }
}
