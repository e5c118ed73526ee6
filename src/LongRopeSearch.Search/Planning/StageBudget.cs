namespace LongRopeSearch.Search;

/// <summary>
/// How many evaluations a stage makes, generation by generation, before it runs: generation 0 is the population
/// (seeds, then seed mutations up to <see cref="EvolutionSettings.Population"/>), each of the
/// <see cref="EvolutionSettings.Generations"/> later ones <see cref="EvolutionSettings.Mutations"/> +
/// <see cref="EvolutionSettings.Crossovers"/> children (<see cref="LongRopeSearcher"/>). These are exact unless the
/// space is so small that new genomes run out (a child given up, <see cref="SearchCounters.ChildrenGivenUp"/>), and
/// they count evaluations started, abandoned ones included. Progress and `longrope plan` both count with this.
/// </summary>
public static class StageBudget
{
    /// <summary>Evaluations of generation <paramref name="generation"/> (0 … Generations).</summary>
    public static int EvaluationsOf(EvolutionSettings evolution, int generation)
    {
        ArgumentNullException.ThrowIfNull(evolution);
        ArgumentOutOfRangeException.ThrowIfNegative(generation);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(generation, evolution.Generations);
        return generation == 0 ? evolution.Population : evolution.Mutations + evolution.Crossovers;
    }

    /// <summary>
    /// The flops_budget rule (<see cref="EvolutionSettings.FlopsBudget"/>), checked when a generation completes: the
    /// stage ends once the work done, generation 0 included, reaches <paramref name="budget"/> full evaluations of
    /// <paramref name="fullEvaluation"/> work each (in any unit: FLOPs, samples). No budget: never. The searcher and
    /// `longrope plan` both end a stage by it.
    /// </summary>
    public static bool Spent(double? budget, double workDone, double fullEvaluation) =>
        budget is { } b && workDone >= b * fullEvaluation;

    /// <summary>
    /// Evaluations of the whole stage before it starts: Population + Generations·(Mutations + Crossovers), or with a
    /// flops_budget the generations it allows if every evaluation were full (abandoning buys more: a running stage
    /// refines this from its own costs, `longrope plan` from a measured run's).
    /// </summary>
    public static long PlannedEvaluations(EvolutionSettings evolution)
    {
        ArgumentNullException.ThrowIfNull(evolution);
        long children = evolution.Mutations + evolution.Crossovers, generations = evolution.Generations;
        if (evolution.FlopsBudget is { } budget && children > 0)
            generations = Math.Min(generations, (long)Math.Ceiling(Math.Max(0, budget - evolution.Population) / children));
        return evolution.Population + generations * children;
    }
}
