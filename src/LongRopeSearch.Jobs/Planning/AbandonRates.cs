using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using LongRopeSearch.Store.History;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Where abandoned evaluations of an earlier run stopped: after <see cref="Samples"/> complete samples and
/// <see cref="Fraction"/> of the next one (a prefix step, as the fraction of the space that put it there; 0 at the end
/// of a sample), <see cref="Count"/> times.
/// </summary>
public sealed record StopRate(int Samples, double Fraction, long Count);

/// <summary>
/// What early abandon saved in an earlier run, per stage: of the evaluations after generation 0 (generation 0 has no
/// rule and is never abandoned), how many were abandoned, what fraction of their samples they completed, and where
/// each abandoned one stopped (<see cref="Stops"/>). A plan costs each stop at its own length: the complete samples,
/// plus the rows of the prefix step it stopped after (<see cref="JobPlanner"/>).
/// </summary>
public sealed record StageAbandonRate(string Stage, int Length, long ChildEvaluations, long Abandoned, long SamplesScored, long SamplesPlanned)
{
    /// <summary>Abandoned / child evaluations.</summary>
    public double AbandonRate => ChildEvaluations == 0 ? 0 : (double)Abandoned / ChildEvaluations;

    /// <summary>Complete samples scored / samples a full evaluation of every child would score (1 = nothing saved).</summary>
    public double SampleFraction => SamplesPlanned == 0 ? 1 : (double)SamplesScored / SamplesPlanned;

    /// <summary>Where the abandoned children stopped; their counts add up to <see cref="Abandoned"/>.</summary>
    public IReadOnlyList<StopRate> Stops { get; init; } = [];

    /// <summary>Where <see cref="Stops"/> come from.</summary>
    public StopSource StopsFrom { get; init; }
}

/// <summary>How well an earlier run says where inside a sample its abandoned evaluations stopped.</summary>
public enum StopSource
{
    /// <summary>Only the history's complete samples: a stop after a prefix step is counted as one at the end of the sample before it, which costs nothing of the sample it stopped in (a lower bound of the work).</summary>
    CompleteSamplesOnly,

    /// <summary>
    /// A checkpoint written before stops were recorded, of a stage with prefix steps: the rows its evaluations computed
    /// beyond their complete samples (its counters' tokens) are spread evenly over its abandoned evaluations, as one
    /// mean fraction of a sample. Right in rows (to the nearest row per stop); slightly low in attention FLOPs when they
    /// stopped at different steps.
    /// </summary>
    MeanRows,

    /// <summary>The checkpoint's counters record each stop (<see cref="SearchCounters.Stops"/>).</summary>
    Recorded,
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

    /// <summary>
    /// Reads a job directory's history.parquet (which evaluations were abandoned, after how many complete samples)
    /// and its state.json, when there is one (where inside a sample they stopped: <see cref="SearchCounters.Stops"/>).
    /// A directory without a history is an <see cref="InputException"/>.
    /// </summary>
    public static AbandonRates FromRun(string runDirectory)
    {
        var store = new FileJobStore(runDirectory);
        var path = store.NameOf(JobArtifact.History);
        if (!File.Exists(path))
            throw new InputException(path, "", "the history.parquet of an earlier run (`longrope plan --from` takes a job directory)", "no such file");
        return FromRows(store.ReadHistory(), path, store.LoadState());
    }

    /// <summary>
    /// The rates of <paramref name="rows"/>; a stage's K (samples of a full evaluation) is the largest sample count
    /// among its rows. <paramref name="source"/> names the history in messages. With <paramref name="state"/>, a
    /// stage whose counters record where its abandoned evaluations stopped (as many as the history abandoned) takes
    /// its stops from there; otherwise from the history's complete samples.
    /// </summary>
    public static AbandonRates FromRows(IReadOnlyList<HistoryRow> rows, string source, JobState? state = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) throw new InputException(source, "", "an earlier run's history with at least one evaluation", "no rows");
        var stages = new Dictionary<(string, int), StageAbandonRate>();
        foreach (var g in rows.GroupBy(r => (r.Stage, r.TargetLength)))
        {
            int k = g.Max(r => r.PerSampleNll.Length);
            var children = g.Where(r => r.Generation > 0).ToList();
            var abandoned = children.Where(r => r.Abandoned).ToList();
            var (stops, from) = (state is null ? null : CheckpointStops(state, g.ToList(), abandoned))
                ?? (Pool(abandoned.Select(r => new StopRate(r.PerSampleNll.Length, 0, 1))), StopSource.CompleteSamplesOnly);
            stages[g.Key] = new StageAbandonRate(g.Key.Stage, g.Key.TargetLength, children.Count, abandoned.Count,
                children.Sum(r => (long)r.PerSampleNll.Length), (long)children.Count * k)
            {
                Stops = stops,
                StopsFrom = from,
            };
        }
        var all = stages.Values.ToList();
        var overall = new StageAbandonRate("all", 0, all.Sum(s => s.ChildEvaluations), all.Sum(s => s.Abandoned),
            all.Sum(s => s.SamplesScored), all.Sum(s => s.SamplesPlanned))
        {
            Stops = Pool(all.SelectMany(s => s.Stops)),
            StopsFrom = all.Where(s => s.Abandoned > 0).Select(s => s.StopsFrom).DefaultIfEmpty(StopSource.Recorded).Min(),
        };
        return new AbandonRates(source, stages, overall);
    }

    /// <summary>
    /// The stops the checkpoint's counters of the stage of <paramref name="rows"/> record, or null when it has no
    /// counters of the stage or records stops for other evaluations than the history's <paramref name="abandoned"/>
    /// (then the history alone is trusted). A stop's rows become the fraction of the stage's space whose step ends
    /// there (⌊f·(L − 1)⌋), so a plan can place the same step at another length. Counters from before stops were
    /// recorded give, for a stage with prefix steps, the mean rows beyond the complete samples (<see cref="StopSource.MeanRows"/>).
    /// </summary>
    private static (StopRate[], StopSource)? CheckpointStops(JobState state, List<HistoryRow> rows, List<HistoryRow> abandoned)
    {
        var search = state.Search;
        int i = search.Stages.FindIndex(s => s.Kind.Text() == rows[0].Stage && s.Length == rows[0].TargetLength);
        var counters = search.Completed.FirstOrDefault(c => c.StageIndex == i)?.Counters
            ?? (search.Current is { } current && current.StageIndex == i ? current.Counters : null);
        if (i < 0 || counters is null) return null;
        var space = search.Stages[i];
        if (counters.Stops is not null || counters.Abandoned == 0)
        {
            var recorded = counters.Stops ?? [];
            return recorded.Sum(s => s.Count) == abandoned.Count
                ? (Pool(recorded.Select(s => new StopRate(s.Samples, s.Rows == 0 ? 0 : FractionOf(space, s.Rows), s.Count))), StopSource.Recorded)
                : null;
        }
        int positions = space.Length - 1;
        long beyond = counters.Tokens - rows.Sum(r => (long)r.PerSampleNll.Length * positions);
        if (space.Evolution.EarlyAbandon.Prefix is null || counters.Abandoned != abandoned.Count || beyond <= 0 || beyond >= (long)abandoned.Count * positions)
            return null;
        double mean = AsFraction((double)beyond / abandoned.Count, positions);
        return (Pool(abandoned.Select(r => new StopRate(r.PerSampleNll.Length, mean, 1))), StopSource.MeanRows);
    }

    /// <summary>The space's prefix fraction whose step ends at <paramref name="rows"/> (as the searcher computes ends), else <see cref="AsFraction"/>.</summary>
    private static double FractionOf(TargetSpace space, int rows)
    {
        int positions = space.Length - 1;
        foreach (var f in space.Evolution.EarlyAbandon.Prefix?.Fractions ?? [])
            if (PrefixAbandonSettings.EndAt(f, positions) == rows) return f;
        return AsFraction(rows, positions);
    }

    /// <summary>
    /// <paramref name="rows"/> of <paramref name="positions"/> as a fraction half a row up, so that the plan's
    /// ⌊fraction·(L − 1)⌋ gives the rows rounded to the nearest at the measured length, whatever the rounding of the
    /// division.
    /// </summary>
    private static double AsFraction(double rows, int positions) => (rows + 0.5) / positions;

    private static StopRate[] Pool(IEnumerable<StopRate> stops) =>
        stops.GroupBy(s => (s.Samples, s.Fraction)).Select(g => new StopRate(g.Key.Samples, g.Key.Fraction, g.Sum(s => s.Count)))
            .OrderBy(s => s.Samples).ThenBy(s => s.Fraction).ToArray();

    public override string ToString()
    {
        var prefix = Overall.Stops.Where(s => s.Fraction > 0).Sum(s => s.Count);
        return string.Create(CultureInfo.InvariantCulture,
            $"{Source}: {Overall.Abandoned} of {Overall.ChildEvaluations} child evaluations abandoned ({prefix} of them after a prefix step inside a sample), {1 - Overall.SampleFraction:P1} of their complete samples saved")
            + Overall.StopsFrom switch
            {
                StopSource.Recorded => "",
                StopSource.MeanRows => "; the run's state.json predates stop counts: in a stage with prefix steps the rows beyond complete samples (its measured tokens) are spread evenly over its abandoned evaluations",
                _ => "; the run's state.json does not say where inside a sample its evaluations stopped (absent, or predates stop counts): such stops are counted at the end of their last complete sample (a lower bound of the work)",
            };
    }
}
