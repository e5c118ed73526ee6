using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Store.History;

namespace LongRopeSearch.Jobs;

/// <summary>
/// What early abandon saved in an earlier run, per stage, from its history: of the evaluations after generation 0
/// (generation 0 has no rule and is never abandoned), how many were abandoned and what fraction of their samples
/// they scored. A plan multiplies its planned child evaluations by <see cref="SampleFraction"/> to get the sample
/// passes it expects.
/// </summary>
public sealed record StageAbandonRate(string Stage, int Length, long ChildEvaluations, long Abandoned, long SamplesScored, long SamplesPlanned)
{
    /// <summary>Abandoned / child evaluations.</summary>
    public double AbandonRate => ChildEvaluations == 0 ? 0 : (double)Abandoned / ChildEvaluations;

    /// <summary>Samples scored / samples a full evaluation of every child would score (1 = nothing saved).</summary>
    public double SampleFraction => SamplesPlanned == 0 ? 1 : (double)SamplesScored / SamplesPlanned;
}

/// <summary>The measured abandon rates of a run directory (`longrope plan --from RUN_DIR`).</summary>
public sealed class AbandonRates
{
    private readonly Dictionary<(string Stage, int Length), StageAbandonRate> _stages;

    private AbandonRates(string source, Dictionary<(string, int), StageAbandonRate> stages, StageAbandonRate overall)
    {
        Source = source;
        _stages = stages;
        Overall = overall;
    }

    /// <summary>The history file the rates were read from.</summary>
    public string Source { get; }

    /// <summary>Every stage of the run pooled: what a stage the run did not have is given.</summary>
    public StageAbandonRate Overall { get; }

    public IReadOnlyCollection<StageAbandonRate> Stages => _stages.Values;

    /// <summary>The rate measured on the same stage (kind and length), or null.</summary>
    public StageAbandonRate? For(string stage, int length) => _stages.GetValueOrDefault((stage, length));

    /// <summary>Reads a job directory's history.parquet. A directory without one is an <see cref="InputException"/>.</summary>
    public static AbandonRates FromRun(string runDirectory)
    {
        var store = new FileJobStore(runDirectory);
        var path = store.NameOf(JobArtifact.History);
        if (!File.Exists(path))
            throw new InputException(path, "", "the history.parquet of an earlier run (`longrope plan --from` takes a job directory)", "no such file");
        return FromRows(store.ReadHistory(), path);
    }

    /// <summary>
    /// The rates of <paramref name="rows"/>; a stage's K (samples of a full evaluation) is the largest sample count
    /// among its rows. <paramref name="source"/> names the history in messages.
    /// </summary>
    public static AbandonRates FromRows(IReadOnlyList<HistoryRow> rows, string source)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new InputException(source, "", "an earlier run's history with at least one evaluation", "no rows");
        var stages = new Dictionary<(string, int), StageAbandonRate>();
        foreach (var g in rows.GroupBy(r => (r.Stage, r.TargetLength)))
        {
            int k = g.Max(r => r.PerSampleNll.Length);
            var children = g.Where(r => r.Generation > 0).ToList();
            stages[g.Key] = new StageAbandonRate(g.Key.Stage, g.Key.TargetLength, children.Count, children.Count(r => r.Abandoned),
                children.Sum(r => (long)r.PerSampleNll.Length), (long)children.Count * k);
        }
        var all = stages.Values.ToList();
        var overall = new StageAbandonRate("all", 0, all.Sum(s => s.ChildEvaluations), all.Sum(s => s.Abandoned),
            all.Sum(s => s.SamplesScored), all.Sum(s => s.SamplesPlanned));
        return new AbandonRates(source, stages, overall);
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Source}: {Overall.Abandoned} of {Overall.ChildEvaluations} child evaluations abandoned, {1 - Overall.SampleFraction:P1} of their samples saved");
}
