using System.Diagnostics;
using System.Globalization;
using LongRopeSearch.Engine;
using LongRopeSearch.Engine.Bench;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Jobs;

/// <summary>One calibration length: the median seconds of a sample pass and the peak resident set around it.</summary>
public sealed record CalibrationPoint(int Length, double LinearFlops, double AttentionFlops, double[] Seconds, double MedianSeconds,
    double FittedSeconds, long PeakResidentBytes, long PredictedResidentBytes)
{
    /// <summary>Median CPU seconds of the process (all threads) per pass: the work, whatever else loads the machine.</summary>
    public double MedianCpuSeconds { get; init; }
}

/// <summary>
/// Seconds of one sample pass (a forward pass over L tokens with the NLL of every position, as the search's
/// evaluator runs it) on this machine: <c>Seconds(L) = SecondsPerLinearFlop · ForwardCost.LinearFlops(0, L) +
/// SecondsPerAttentionFlop · ForwardCost.AttentionFlops(0, L)</c>, fitted to measured passes at a few short lengths
/// (<see cref="EngineCalibration"/>). Linear in the tokens plus quadratic in them through attention.
/// </summary>
public sealed record TimeModel(double SecondsPerLinearFlop, double SecondsPerAttentionFlop, IReadOnlyList<CalibrationPoint> Points, int Threads, string Note)
{
    /// <summary>The same fit of the process's CPU seconds per pass (<see cref="CpuSeconds"/>).</summary>
    public double CpuSecondsPerLinearFlop { get; init; }
    public double CpuSecondsPerAttentionFlop { get; init; }

    /// <summary>
    /// CPU seconds of a sample pass: the work itself, which the machine's load does not change much; on an idle
    /// machine the wall time is about this / threads.
    /// </summary>
    public double CpuSeconds(ModelConfig config, int length) =>
        CpuSecondsPerLinearFlop * ForwardCost.LinearFlops(config, 0, length) + CpuSecondsPerAttentionFlop * ForwardCost.AttentionFlops(config, 0, length);

    public double Seconds(ModelConfig config, int length) =>
        SecondsPerLinearFlop * ForwardCost.LinearFlops(config, 0, length) + SecondsPerAttentionFlop * ForwardCost.AttentionFlops(config, 0, length);

    /// <summary>The fitted rates, GFLOP/s of the matmul part and of attention (∞ when a coefficient is 0).</summary>
    public double LinearGflopPerSecond => 1e-9 / SecondsPerLinearFlop;
    public double AttentionGflopPerSecond => SecondsPerAttentionFlop > 0 ? 1e-9 / SecondsPerAttentionFlop : double.PositiveInfinity;
}

/// <summary>
/// A short calibration run of the job's own engine (same options as a run: fast pass, the job's threads, the layer-0
/// cache warm as in a search, which re-scores the same samples): one untimed pass per length (JIT, cache), then
/// <c>repeats</c> timed passes of the first search sample at each length; the medians are fitted by weighted least
/// squares (relative error) with the two coefficients of <see cref="TimeModel"/>. Also records the peak resident set
/// at each length beside what <see cref="MemoryModel"/> predicts for it.
/// </summary>
public static class EngineCalibration
{
    /// <summary>
    /// Default lengths: Lc/4, Lc/2, Lc with Lc the largest power of two that is at most half the longest stage and
    /// whose pass costs at most <paramref name="flopBudget"/> (≥ 64), so the fit sees attention grow while the run
    /// stays short.
    /// </summary>
    public static int[] DefaultLengths(ModelConfig config, IEnumerable<int> stageLengths, double flopBudget = 2e12)
    {
        ArgumentNullException.ThrowIfNull(config);
        int longest = stageLengths.Max();
        int lc = 64;
        while (lc * 2 <= Math.Max(64, longest / 2) && ForwardCost.Flops(config, 0, lc * 2) <= flopBudget) lc *= 2;
        return [Math.Max(16, lc / 4), Math.Max(32, lc / 2), lc];
    }

    public static TimeModel Run(JobEngine engine, JobSamples samples, IReadOnlyList<int> lengths, int repeats, MemoryModel memory,
        ILogger log, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(memory);
        ArgumentNullException.ThrowIfNull(log);
        var config = engine.Model.Weights.Config;
        var scorer = engine.Evaluator;
        var factors = FactorSet.Identity(config.RotaryPairs);
        var points = new List<CalibrationPoint>();
        int n = 0;
        foreach (var length in lengths.Order())
        {
            var set = samples.Search(length, $"calibration length {length}");
            var one = new SampleSet(set.Source, length, [set.Samples[0]]);
            PeakMemory.TryReset();
            log.LogInformation("Calibrating at {Length} tokens ({Index}/{Count}): 1 warm-up pass and {Repeats} timed", length, ++n, lengths.Count, repeats);
            scorer.Evaluate(one, factors, null, ct);
            var seconds = new double[repeats];
            var cpu = new double[repeats];
            using var process = Process.GetCurrentProcess();
            for (int r = 0; r < repeats; r++)
            {
                process.Refresh();
                var cpu0 = process.TotalProcessorTime;
                var clock = Stopwatch.StartNew();
                scorer.Evaluate(one, factors, null, ct);
                seconds[r] = clock.Elapsed.TotalSeconds;
                process.Refresh();
                cpu[r] = (process.TotalProcessorTime - cpu0).TotalSeconds;
            }
            double median = Median(seconds), medianCpu = Median(cpu);
            long peak = PeakMemory.Bytes();
            long predicted = memory.ResidentBytes(length, CacheBytesHeld(scorer));
            points.Add(new CalibrationPoint(length, ForwardCost.LinearFlops(config, 0, length), ForwardCost.AttentionFlops(config, 0, length),
                seconds, median, 0, peak, predicted) { MedianCpuSeconds = medianCpu });
            log.LogInformation("  {Length} tokens: median {Seconds:F4} s ({Cpu:F4} CPU s) per sample pass ({Tps:F0} tokens/s), peak resident {Peak:F0} MiB (memory model {Predicted:F0} MiB)",
                length, median, medianCpu, length / median, peak / 1048576.0, predicted / 1048576.0);
        }
        var (a, b, note) = Fit(points);
        var (ca, cb, _) = Fit(points.Select(p => p with { MedianSeconds = p.MedianCpuSeconds }).ToList());
        var fitted = points.Select(p => p with { FittedSeconds = a * p.LinearFlops + b * p.AttentionFlops }).ToList();
        foreach (var p in fitted)
            log.LogInformation("  fit at {Length}: {Fitted:F4} s vs measured {Measured:F4} s ({Error:+0.0;-0.0}%)", p.Length, p.FittedSeconds, p.MedianSeconds,
                100 * (p.FittedSeconds / p.MedianSeconds - 1));
        return new TimeModel(a, b, fitted, scorer.Options.Threads, note) { CpuSecondsPerLinearFlop = ca, CpuSecondsPerAttentionFlop = cb };
    }

    /// <summary>
    /// Weighted least squares of t = a·lin + b·att (weights 1/t², i.e. relative errors). When the data make either
    /// coefficient negative (noise, or lengths too short for attention to show), one rate for all FLOPs is fitted
    /// instead and the note says so.
    /// </summary>
    public static (double A, double B, string Note) Fit(IReadOnlyList<CalibrationPoint> points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.Count == 0) throw new ArgumentException("no calibration points", nameof(points));
        double sll = 0, sla = 0, saa = 0, slt = 0, sat = 0, sft = 0, sff = 0;
        foreach (var p in points)
        {
            double w = 1 / (p.MedianSeconds * p.MedianSeconds), l = p.LinearFlops, at = p.AttentionFlops, t = p.MedianSeconds, f = l + at;
            sll += w * l * l; sla += w * l * at; saa += w * at * at; slt += w * l * t; sat += w * at * t;
            sft += w * f * t; sff += w * f * f;
        }
        double det = sll * saa - sla * sla;
        if (points.Count >= 2 && det > 1e-12 * sll * saa)
        {
            double a = (slt * saa - sat * sla) / det, b = (sat * sll - slt * sla) / det;
            if (a > 0 && b >= 0) return (a, b, "fitted: seconds = a·linear FLOPs + b·attention FLOPs");
        }
        double g = sft / sff;
        return (g, g, "one rate for all FLOPs (the calibration lengths could not separate attention from the matmuls)");
    }

    private static double Median(double[] values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    private static long CacheBytesHeld(PerplexityScorer scorer) => scorer.ForwardPass is FastForward f ? f.Layer0CacheBytes : 0;
}
