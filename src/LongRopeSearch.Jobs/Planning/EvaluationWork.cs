using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Search;

namespace LongRopeSearch.Jobs;

/// <summary>
/// The work of search evaluations, or its expectation: sample passes (a stop inside a sample counts the fraction of
/// its positions done), token rows, attention-weighted FLOPs (<see cref="ForwardCost"/>) and, with a
/// <see cref="TimeModel"/>, wall and CPU seconds.
/// </summary>
public readonly record struct EvaluationWork(double Passes, double Tokens, double Flops, double? Seconds, double? CpuSeconds)
{
    public static EvaluationWork operator +(EvaluationWork a, EvaluationWork b) =>
        new(a.Passes + b.Passes, a.Tokens + b.Tokens, a.Flops + b.Flops, a.Seconds + b.Seconds, a.CpuSeconds + b.CpuSeconds);

    public static EvaluationWork operator *(double n, EvaluationWork w) =>
        new(n * w.Passes, n * w.Tokens, n * w.Flops, n * w.Seconds, n * w.CpuSeconds);

    public static EvaluationWork Add(EvaluationWork a, EvaluationWork b) => a + b;
    public static EvaluationWork Multiply(double n, EvaluationWork w) => n * w;
}

/// <summary>
/// What a search evaluation at one stage costs, as the job's evaluator runs it: each sample in prefix steps over the
/// rows [0, L − 1) (row L − 1 predicts nothing; every layer's keys and values kept between steps, so a step computes
/// only its own rows), so a complete sample is <c>ForwardCost.Flops(0, L − 1)</c> and a stop after the prefix step
/// ending at P costs <c>ForwardCost.Flops(0, P)</c> of the sample it stopped in.
/// </summary>
public sealed class StageWorkModel(ModelConfig config, int length, int samples, bool prefixRule, TimeModel? time)
{
    private int Positions => length - 1;

    /// <summary>Rows [0, <paramref name="rows"/>) of one sample.</summary>
    public EvaluationWork Rows(int rows) => new((double)rows / Positions, rows, ForwardCost.Flops(config, 0, rows),
        time?.Seconds(config, rows), time?.CpuSeconds(config, rows));

    /// <summary>A full evaluation: every sample complete.</summary>
    public EvaluationWork Full => samples * Rows(Positions);

    /// <summary>
    /// An evaluation that stops where <paramref name="stop"/> did, at this stage: its complete samples (at most K, when
    /// it is then full), then ⌊fraction·(L − 1)⌋ rows of the next (within [1, L − 2]). Without a prefix rule at this
    /// stage, a stop inside a sample cannot happen: the evaluation runs at least to that sample's end (an upper bound).
    /// </summary>
    public EvaluationWork Stop(StopRate stop)
    {
        ArgumentNullException.ThrowIfNull(stop);
        bool inside = stop.Fraction > 0;
        int complete = Math.Min(samples, stop.Samples + (inside && !prefixRule ? 1 : 0));
        if (complete >= samples) return Full;
        int rows = inside && prefixRule ? Math.Clamp(PrefixAbandonSettings.EndAt(stop.Fraction, Positions), 1, Math.Max(1, Positions - 1)) : 0;
        return complete * Rows(Positions) + Rows(rows);
    }

    /// <summary>
    /// The expected work of one child evaluation under <paramref name="rate"/>: the measured stops, each as often as it
    /// happened per child, and full evaluations for the rest. Null rate: every child full.
    /// </summary>
    public EvaluationWork ExpectedChild(StageAbandonRate? rate)
    {
        if (rate is null || rate.ChildEvaluations == 0) return Full;
        var sum = (rate.ChildEvaluations - rate.Abandoned) * Full;
        foreach (var s in rate.Stops) sum += s.Count * Stop(s);
        return (1.0 / rate.ChildEvaluations) * sum;
    }
}
