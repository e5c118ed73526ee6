using System.Globalization;
using LongRopeSearch.Engine;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using LongRopeSearch.Store;

namespace LongRopeSearch.Jobs;

/// <summary>
/// `longrope plan`: what a job will cost before it runs, stage by stage, from the same space, plan and searcher
/// sizes the run uses. Counts and FLOPs need no engine; wall time needs a <see cref="TimeModel"/> (a calibration run
/// of the engine on this machine) and memory a <see cref="MemoryModel"/>.
/// </summary>
public static class JobPlanner
{
    public static JobPlan Build(JobContext job, int workers, AbandonRates? rates = null, TimeModel? time = null, MemoryModel? memory = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        var config = job.Config;
        var stages = new List<StagePlan>();
        long cachedTokens = 0; // tokens whose layer-0 rows the cache has taken so far (search, validation, L0 samples)
        foreach (var stage in job.StartSearch().Stages)
        {
            var ev = stage.Space.Evolution;
            int k = ev.Samples, length = stage.Length;
            var (rate, source) = Abandon(ev, stage, rates);
            var work = new StageWorkModel(config, length, k, ev.EarlyAbandon.Enabled && ev.EarlyAbandon.Prefix is not null, time);
            EvaluationWork full = work.Full, child = work.ExpectedChild(rate);
            var gens = new List<GenerationPlan>();
            var total = 0 * full;  // zero work, with zero seconds when there is a time model (null + x would stay null)
            for (int g = 0; g <= ev.Generations; g++)
            {
                // A compute budget ends the stage at the first generation boundary that reaches it (the searcher's rule).
                if (g > 0 && StageBudget.Spent(ev.FlopsBudget, total.Flops, full.Flops)) break;
                int n = StageBudget.EvaluationsOf(ev, g);
                var each = g == 0 ? full : child;
                total += n * each;
                gens.Add(new GenerationPlan(g, n, n * each.Passes, n * each.Seconds, Math.Ceiling((double)n / workers) * each.Seconds));
            }
            // With a flops_budget the generations are those the expected work fits in; "planned" counts their evaluations.
            long planned = gens.Sum(g => (long)g.Evaluations);
            long children = planned - ev.Population;
            cachedTokens += (long)k * length + (long)job.ValidationSamples * length + (length == job.OriginalLength ? 0 : (long)job.ValidationSamples * job.OriginalLength);
            long? searchBytes = memory?.SearchResidentBytes(length, memory.CacheBytes(length, k));
            long? validationPeak = memory?.ResidentBytes(length, memory.CacheBytes(1, (int)Math.Min(int.MaxValue, cachedTokens)));
            stages.Add(new StagePlan
            {
                Stage = stage.Name,
                Kind = stage.Kind.Text(),
                Length = length,
                Scale = stage.Scale,
                Population = ev.Population,
                Generations = gens.Count - 1,
                BudgetEnds = ev.FlopsBudget is not null && gens.Count - 1 < ev.Generations,
                ChildrenPerGeneration = ev.Mutations + ev.Crossovers,
                Samples = k,
                PrefixFractions = ev.EarlyAbandon.Enabled ? ev.EarlyAbandon.Prefix?.Fractions : null,
                PlannedEvaluations = planned,
                PlannedSamplePasses = planned * k,
                SampleFraction = child.Passes / full.Passes,
                FlopFraction = child.Flops / full.Flops,
                ExpectedAbandoned = children * (rate?.AbandonRate ?? 0),
                AbandonSource = source,
                ExpectedSamplePasses = total.Passes,
                PlannedTokens = planned * full.Tokens,
                ExpectedTokens = total.Tokens,
                FlopsPerSamplePass = full.Flops / k,
                PlannedFlops = planned * full.Flops,
                ExpectedFlops = total.Flops,
                ActivationBytes = memory?.PrefixEvaluationBytes(length),
                CacheBytes = memory?.CacheBytes(length, k),
                MemoryBytes = searchBytes,
                PeakBytes = searchBytes is { } sb && validationPeak is { } vp ? Math.Max(sb, vp) : null,
                SecondsPerSamplePass = full.Seconds / k,
                Seconds = total.Seconds,
                SecondsOnWorkers = time is null ? null : gens.Sum(g => g.SecondsOnWorkers!.Value),
                CpuSeconds = total.CpuSeconds,
                PerGeneration = gens,
                Validation = Validation(job, stage, time),
            });
        }
        var assumptions = new List<string>
        {
            "evaluations: population + generations × (mutations + crossovers), exactly as the searcher makes them (fewer only if the space runs out of new genomes)",
            "a search sample pass computes rows [0, L − 1) in prefix steps (row L − 1 predicts nothing), every layer's keys and values kept between steps: ForwardCost.Flops(0, L − 1), attention-weighted (docs/DESIGN.md, cost model); validation passes are whole-sequence, Flops(0, L)",
            "after abandon: each child costs what the measured run's abandoned evaluations cost where they stopped (--from: its history's complete samples and its state.json's stop counts), the complete samples plus ForwardCost.Flops(0, ⌊f·(L − 1)⌋) of the sample stopped in after the prefix step at fraction f; the rest are full",
            "validation runs on one machine after each stage and counts the deployable row, which is skipped when the best set is itself deployable",
        };
        if (workers > 1)
            assumptions.Add(string.Create(CultureInfo.InvariantCulture,
                $"{workers} workers, each a machine like this one: a generation's evaluations are split over them (⌈n/{workers}⌉ each) and the next generation waits for the last"));
        if (time is not null)
        {
            assumptions.Add("wall time: the calibration's seconds per pass over rows [0, P) (whole passes timed; prefix steps do the same rows), under the machine's load at calibration; checkpoints, history and logging are not counted");
            assumptions.Add("CPU time: the calibration's process CPU seconds per sample pass (all threads): the work, nearly independent of other load; on an idle machine wall ≈ CPU time / threads");
        }
        return new JobPlan
        {
            Model = job.Spec.Model,
            Space = job.Spec.Space,
            Workers = workers,
            Stages = stages,
            AbandonNote = rates?.ToString() ?? "no earlier run given (--from RUN_DIR): no evaluation is assumed abandoned, so expected = planned (an upper bound)",
            Time = time,
            BaseBytes = memory?.BaseBytes,
            WeightBytes = memory?.WeightBytes,
            Assumptions = assumptions,
        };
    }

    /// <summary>The measured rate a stage is planned with (null: every child full) and where it comes from, in words.</summary>
    private static (StageAbandonRate? Rate, string Source) Abandon(EvolutionSettings ev, SearchStage stage, AbandonRates? rates)
    {
        if (!ev.EarlyAbandon.Enabled) return (null, "early abandon off in the space");
        if (ev.Samples < 2 && ev.EarlyAbandon.Prefix is null) return (null, "one sample per evaluation and no prefix steps: nothing to abandon");
        if (rates is null) return ev.EarlyAbandon.Screen is { } screen && ev.Mutations + ev.Crossovers > screen.Keep
            ? (ScreenOnly(stage, screen), string.Create(CultureInfo.InvariantCulture,
                $"the screen alone (no --from): of each generation's {ev.Mutations + ev.Crossovers} children, {ev.Mutations + ev.Crossovers - screen.Keep} stop after {screen.Samples} of {ev.Samples} samples and {screen.Keep} are full (an upper bound: the rule also abandons)"))
            : (null, "assumed none (no --from)");
        var kind = stage.Kind.Text();
        var (rate, where) = rates.For(kind, stage.Length) is { ChildEvaluations: > 0 } same
            ? (same, string.Create(CultureInfo.InvariantCulture, $"measured on {kind} {stage.Length}"))
            : (rates.Overall, "measured over all stages of the run");
        int inside = (int)rate.Stops.Where(s => s.Fraction > 0).Sum(s => s.Count);
        string how = rate.StopsFrom == StopSource.CompleteSamplesOnly ? "stops inside a sample unknown (counted at the sample's start)"
            : inside == 0 ? "no stop inside a sample"
            : rate.StopsFrom == StopSource.MeanRows ? $"{inside} stops inside a sample at their measured mean rows"
            : ev.EarlyAbandon.Prefix is null ? $"{inside} stops inside a sample counted to that sample's end (no prefix steps in this space)"
            : $"{inside} stops after a prefix step, costed by the rows done";
        return (rate, where + "; " + how);
    }

    /// <summary>
    /// What successive halving alone guarantees per generation (<see cref="ScreenSettings"/>): all but Keep children
    /// stop after the screened samples; the rule's own stops come on top, so this is an upper bound of the work.
    /// </summary>
    private static StageAbandonRate ScreenOnly(SearchStage stage, ScreenSettings screen)
    {
        var ev = stage.Space.Evolution;
        long children = ev.Mutations + ev.Crossovers, dropped = children - screen.Keep;
        return new StageAbandonRate(stage.Name, stage.Length, children, dropped, dropped * screen.Samples + screen.Keep * ev.Samples, children * ev.Samples)
        {
            Stops = [new StopRate(screen.Samples, 0, dropped)],
            StopsFrom = StopSource.Recorded,
        };
    }

    private static ValidationPlan Validation(JobContext job, SearchStage stage, TimeModel? time)
    {
        var config = job.Config;
        int l0 = job.OriginalLength, length = stage.Length, k = job.SearchSamples, v = job.ValidationSamples;
        var classic = new List<FactorSet>();
        foreach (var (_, factors) in Baselines.WithIdentity(job.Geometry, Math.Max(1.0, stage.Scale)))
            if (!classic.Contains(factors)) classic.Add(factors);
        int methods = classic.Count + 2;
        long atLength = (long)classic.Count * k + (long)methods * v;
        long atL0 = length == l0 ? 0 : (long)methods * v;
        return new ValidationPlan(methods, atLength, atL0, (double)atLength * length + (double)atL0 * l0,
            atLength * ForwardCost.Flops(config, 0, length) + atL0 * ForwardCost.Flops(config, 0, l0),
            time is null ? null : atLength * time.Seconds(config, length) + atL0 * time.Seconds(config, l0))
        {
            CpuSeconds = time is null ? null : atLength * time.CpuSeconds(config, length) + atL0 * time.CpuSeconds(config, l0),
        };
    }
}
