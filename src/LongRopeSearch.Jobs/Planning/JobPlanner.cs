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
            var (fraction, abandonRate, source) = Abandon(ev, stage, rates);
            double perPass = ForwardCost.Flops(config, 0, length);
            double? secondsPerPass = time?.Seconds(config, length);
            var gens = new List<GenerationPlan>();
            for (int g = 0; g <= ev.Generations; g++)
            {
                int n = StageBudget.EvaluationsOf(ev, g);
                double f = g == 0 ? 1 : fraction;
                double passes = (double)n * k * f;
                gens.Add(new GenerationPlan(g, n, passes, passes * secondsPerPass,
                    Math.Ceiling((double)n / workers) * k * f * secondsPerPass));
            }
            long planned = StageBudget.PlannedEvaluations(ev);
            double expectedPasses = gens.Sum(g => g.ExpectedSamplePasses);
            long children = planned - ev.Population;
            cachedTokens += (long)k * length + (long)job.ValidationSamples * length + (length == job.OriginalLength ? 0 : (long)job.ValidationSamples * job.OriginalLength);
            stages.Add(new StagePlan
            {
                Stage = stage.Name,
                Kind = stage.Kind.Text(),
                Length = length,
                Scale = stage.Scale,
                Population = ev.Population,
                Generations = ev.Generations,
                ChildrenPerGeneration = ev.Mutations + ev.Crossovers,
                Samples = k,
                PlannedEvaluations = planned,
                PlannedSamplePasses = planned * k,
                SampleFraction = fraction,
                ExpectedAbandoned = children * abandonRate,
                AbandonSource = source,
                ExpectedSamplePasses = expectedPasses,
                PlannedTokens = (double)planned * k * length,
                ExpectedTokens = expectedPasses * length,
                FlopsPerSamplePass = perPass,
                PlannedFlops = planned * k * perPass,
                ExpectedFlops = expectedPasses * perPass,
                ActivationBytes = memory?.ActivationBytes(length),
                CacheBytes = memory?.CacheBytes(length, k),
                MemoryBytes = memory?.ResidentBytes(length, memory.CacheBytes(length, k)),
                PeakBytes = memory?.ResidentBytes(length, memory.CacheBytes(1, (int)Math.Min(int.MaxValue, cachedTokens))),
                SecondsPerSamplePass = secondsPerPass,
                Seconds = time is null ? null : gens.Sum(g => g.Seconds!.Value),
                SecondsOnWorkers = time is null ? null : gens.Sum(g => g.SecondsOnWorkers!.Value),
                CpuSeconds = time is null ? null : expectedPasses * time.CpuSeconds(config, length),
                PerGeneration = gens,
                Validation = Validation(job, stage, time),
            });
        }
        var assumptions = new List<string>
        {
            "evaluations: population + generations × (mutations + crossovers), exactly as the searcher makes them (fewer only if the space runs out of new genomes)",
            "a sample pass is one whole-sequence forward pass over one sample; its FLOPs are ForwardCost.Flops(0, L), attention-weighted (docs/DESIGN.md, cost model)",
            "validation runs on one machine after each stage and counts the deployable row, which is skipped when the best set is itself deployable",
        };
        if (workers > 1)
            assumptions.Add(string.Create(CultureInfo.InvariantCulture,
                $"{workers} workers, each a machine like this one: a generation's evaluations are split over them (⌈n/{workers}⌉ each) and the next generation waits for the last"));
        if (time is not null)
        {
            assumptions.Add("wall time: the calibration's seconds per sample pass, under the machine's load at calibration; checkpoints, history and logging are not counted");
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

    private static (double Fraction, double AbandonRate, string Source) Abandon(EvolutionSettings ev, SearchStage stage, AbandonRates? rates)
    {
        if (!ev.EarlyAbandon.Enabled) return (1, 0, "early abandon off in the space");
        if (ev.Samples < 2) return (1, 0, "one sample per evaluation: nothing to abandon");
        if (rates is null) return (1, 0, "assumed none (no --from)");
        var kind = stage.Kind.Text();
        if (rates.For(kind, stage.Length) is { ChildEvaluations: > 0 } same)
            return (same.SampleFraction, same.AbandonRate, string.Create(CultureInfo.InvariantCulture, $"measured on {kind} {stage.Length}"));
        return (rates.Overall.SampleFraction, rates.Overall.AbandonRate, "measured over all stages of the run");
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
