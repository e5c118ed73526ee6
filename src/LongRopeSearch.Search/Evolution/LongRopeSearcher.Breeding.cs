namespace LongRopeSearch.Search;

/// <summary>Making the candidates of each generation.</summary>
public sealed partial class LongRopeSearcher
{
    /// <summary>Appended to a seed's label for its copy with the space's policy attention factor (a searched factor only).</summary>
    public const string PolicyAttentionSuffix = "+policy-af";

    private void BuildInitialPopulation(IReadOnlyList<SeedCandidate> seeds)
    {
        var tally = new DrawTally();
        var seedCandidates = new List<Candidate>();
        long seedDuplicates = 0;
        foreach (var seed in seeds)
        {
            ArgumentNullException.ThrowIfNull(seed);
            if (string.IsNullOrWhiteSpace(seed.Label)) throw new ArgumentException("every seed needs a label (its origin)", nameof(seeds));
        }
        // A searched attention factor: each seed keeps its own (YaRN's 0.1·ln s + 1, PI's 1 ...) snapped to the grid,
        // and each is seeded again with the space's policy value, so the fixed policy is always among the starts.
        var all = Space.AttentionGrid is null ? seeds
            : [.. seeds, .. seeds.Select(s => new SeedCandidate(s.Label + PolicyAttentionSuffix, s.Factors.With(attentionFactor: Space.AttentionFactor)))];
        foreach (var seed in all)
        {
            var genome = GenomeCodec.Snap(Space, seed.Factors);
            if (IsKnown(genome)) { seedDuplicates++; continue; }
            seedCandidates.Add(Adopt(genome, 0, seed.Label, []));
        }
        var population = new List<Candidate>(seedCandidates);

        // Fill with seed mutations; stop after as many consecutive give-ups as the population is large (an
        // exhausted tiny space) instead of looping for ever.
        long givenUp = 0;
        int consecutiveGiveUps = 0;
        while (population.Count < Space.Evolution.Population && consecutiveGiveUps < Space.Evolution.Population)
        {
            var parent = seedCandidates[_rng.NextInt(seedCandidates.Count)];
            var child = EvolutionOperators.Mutate(Space, parent.Genome, _rng, IsKnown, tally);
            if (child is null) { givenUp++; consecutiveGiveUps++; continue; }
            consecutiveGiveUps = 0;
            population.Add(Adopt(child, 0, CandidateOrigin.SeedMutation, [parent.Id]));
        }

        Generation = 0;
        StartGeneration(population);
        _counters = _counters with
        {
            SeedDuplicates = _counters.SeedDuplicates + seedDuplicates,
            ChildrenGivenUp = _counters.ChildrenGivenUp + givenUp,
            DuplicateDraws = _counters.DuplicateDraws + tally.Duplicates,
            NonMonotoneDraws = _counters.NonMonotoneDraws + tally.NonMonotone,
        };
    }

    /// <summary>
    /// Called when the generation's results are recorded: breeds the next generation that yields any child, or
    /// finishes the stage after <see cref="EvolutionSettings.Generations"/> generations of children.
    /// </summary>
    private void BreedNextGeneration()
    {
        while (Generation < Space.Evolution.Generations && !BudgetSpent())
        {
            Generation++;
            var children = BreedChildren();
            if (children.Count > 0)
            {
                StartGeneration(children);
                return;
            }
        }
        StartGeneration([]);
        _rule = null;
        IsFinished = true;
    }

    /// <summary>
    /// True when the completed generations' work reaches <see cref="EvolutionSettings.FlopsBudget"/> full evaluations:
    /// in FLOPs when the scores carry them (a full evaluation's FLOPs: the first full evaluation's, by id), else in
    /// complete samples.
    /// </summary>
    private bool BudgetSpent()
    {
        var budget = Space.Evolution.FlopsBudget;
        if (budget is null) return false;
        var first = _evaluated.FirstOrDefault(e => !e.Score.Abandoned);
        return first is { Score.Flops: > 0 } f
            ? StageBudget.Spent(budget, _counters.Flops, f.Score.Flops)
            : StageBudget.Spent(budget, _counters.SamplesEvaluated, Space.Evolution.Samples);
    }

    /// <summary>
    /// Generations after the current one that the flops_budget is expected to allow, for progress and ETA only (never
    /// for a decision): work is counted as <see cref="BudgetSpent"/> counts it; the scores known so far (the current
    /// generation's included) give a full evaluation's work and a child's mean cost over the last few generations
    /// (it falls as the abandon rule tightens); every open evaluation is expected to cost that mean (a full
    /// evaluation's in generation 0); the stage breeds again while the work stays below the budget, so the generation
    /// that crosses it is the last. <paramref name="unbounded"/> without a budget or before the first full score.
    /// </summary>
    private long ExpectedLaterGenerations(long unbounded)
    {
        const int RecentGenerations = 3;
        if (Space.Evolution.FlopsBudget is not { } budget) return unbounded;
        var known = _evaluated.Select(e => (e.Candidate.Generation, e.Score)).ToList();
        for (int i = 0; i < _reported.Length; i++)
            if (_reported[i] is { } r) known.Add((_pending[i].Generation, r));
        var first = known.FirstOrDefault(p => !p.Score.Abandoned).Score;
        if (first is null) return unbounded;
        bool flops = first.Flops > 0;
        double Work(CandidateScore s) => flops ? s.Flops : s.PerSampleNll.Length;
        double full = Work(first), done = 0, children = 0;
        int n = 0;
        foreach (var (generation, score) in known)
        {
            done += Work(score);
            // The recent children only: a rule frozen from better parents abandons more as the stage goes on.
            if (generation == 0 || generation < Generation - RecentGenerations) continue;
            children += Work(score);
            n++;
        }
        double perChild = n > 0 ? children / n : full;
        double afterThis = done + (_pending.Count - _reportedCount) * (Generation == 0 ? full : perChild);
        double left = budget * full - afterThis, perGeneration = perChild * (Space.Evolution.Mutations + Space.Evolution.Crossovers);
        return left <= 0 ? 0 : perGeneration <= 0 ? unbounded : Math.Min(unbounded, (long)Math.Ceiling(left / perGeneration));
    }

    private List<Candidate> BreedChildren()
    {
        var ev = Space.Evolution;
        var parents = _rankedFull.Take(ev.Parents).ToList();
        var children = new List<Candidate>(ev.Mutations + ev.Crossovers);
        var tally = new DrawTally();
        long givenUp = 0, fallbacks = 0;

        for (int j = 0; j < ev.Mutations; j++)
        {
            var parent = parents[_rng.NextInt(parents.Count)];
            var child = EvolutionOperators.Mutate(Space, parent.Candidate.Genome, _rng, IsKnown, tally);
            if (child is null) givenUp++;
            else children.Add(Adopt(child, Generation, CandidateOrigin.Mutation, [parent.Candidate.Id]));
        }

        for (int j = 0; j < ev.Crossovers; j++)
        {
            // Two distinct parents: the second index is drawn among the others. With a single parent a crossover
            // cannot exist, so the child is that parent's mutation.
            var ia = _rng.NextInt(parents.Count);
            var a = parents[ia];
            if (parents.Count >= 2)
            {
                var ib = _rng.NextInt(parents.Count - 1);
                var b = parents[ib >= ia ? ib + 1 : ib];
                var cross = EvolutionOperators.Crossover(Space, a.Candidate.Genome, b.Candidate.Genome, _rng, IsKnown, tally);
                if (cross is not null)
                {
                    children.Add(Adopt(cross, Generation, CandidateOrigin.Crossover, [a.Candidate.Id, b.Candidate.Id]));
                    continue;
                }
            }
            fallbacks++;
            var mutant = EvolutionOperators.Mutate(Space, a.Candidate.Genome, _rng, IsKnown, tally);
            if (mutant is null) givenUp++;
            else children.Add(Adopt(mutant, Generation, CandidateOrigin.Mutation, [a.Candidate.Id]));
        }

        _counters = _counters with
        {
            ChildrenGivenUp = _counters.ChildrenGivenUp + givenUp,
            CrossoverFallbacks = _counters.CrossoverFallbacks + fallbacks,
            DuplicateDraws = _counters.DuplicateDraws + tally.Duplicates,
            NonMonotoneDraws = _counters.NonMonotoneDraws + tally.NonMonotone,
        };
        return children;
    }

    private bool IsKnown(Genome genome) => _known.Contains(GenomeCodec.ToFactors(Space, genome).Key);

    /// <summary>Gives a new genome an id and marks it known (pending), so no later draw repeats it.</summary>
    private Candidate Adopt(Genome genome, int generation, string origin, long[] parentIds)
    {
        var c = Create(genome, generation, origin, parentIds);
        _known.Add(c.Key);
        return c;
    }

    private Candidate Create(Genome genome, int generation, string origin, long[] parentIds) =>
        new(NextCandidateId++, generation, origin, parentIds, genome, GenomeCodec.ToFactors(Space, genome));
}
