namespace LongRopeSearch.Search;

/// <summary>Computes <see cref="SearchProgress"/> from a search's state.</summary>
internal static class ProgressReport
{
    public static SearchProgress For(ProgressiveSearch search)
    {
        var cur = search.CurrentSearcher;
        var stageIndex = cur?.StageIndex ?? search.Stages.Count - 1;
        var stage = search.Stages[stageIndex];
        var totals = search.TotalCounters;

        long done = totals.Evaluations;
        long planned = search.Completed.Sum(r => r.Counters.Evaluations);
        if (cur is not null) planned += cur.PlannedEvaluations;
        for (int i = stageIndex + 1; i < search.Stages.Count; i++) planned += Estimate(search.Stages[i].Space.Evolution);

        double? rate = totals.EvaluationSeconds > 0 ? done / totals.EvaluationSeconds : null;
        TimeSpan? eta = rate is { } r && r > 0 ? TimeSpan.FromSeconds(Math.Max(0, planned - done) / r) : null;
        var stageCounters = cur?.Counters ?? search.Completed[^1].Counters;
        var best = cur is not null ? cur.BestSoFar : search.Completed[^1].Best;

        return new SearchProgress
        {
            StageIndex = stageIndex,
            StageCount = search.Stages.Count,
            StageName = stage.Name,
            Length = stage.Length,
            Generation = cur?.Generation ?? stage.Space.Evolution.Generations,
            Generations = stage.Space.Evolution.Generations + 1,
            StageEvaluationsDone = stageCounters.Evaluations,
            StageEvaluationsPlanned = cur?.PlannedEvaluations ?? stageCounters.Evaluations,
            EvaluationsDone = done,
            EvaluationsPlanned = planned,
            BestMeanNll = best?.Score.MeanNll,
            Abandoned = totals.Abandoned,
            FullEvaluationsSaved = totals.FullEvaluationsSaved,
            EvaluationsPerSecond = rate,
            Eta = eta,
            Finished = cur is null,
        };
    }

    /// <summary>Evaluations of a stage not started: the initial population and every later generation's children.</summary>
    private static long Estimate(EvolutionSettings e) => StageBudget.PlannedEvaluations(e);
}
