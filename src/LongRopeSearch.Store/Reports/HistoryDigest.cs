using System.Globalization;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.History;

namespace LongRopeSearch.Store.Reports;

/// <summary>Where one stage stood after one generation.</summary>
/// <param name="BestPpl">Best ppl of the stage so far (this generation included): the best of the population, since
/// the evolution keeps its parents.</param>
/// <param name="GenerationBestPpl">Best ppl among the candidates scored in this generation (NaN if all were abandoned).</param>
/// <param name="Evaluated">Candidates scored in the generation (abandoned ones included).</param>
public sealed record GenerationPoint(int Generation, double BestPpl, double GenerationBestPpl, int Evaluated, int Abandoned);

/// <summary>A stage's progress: "long 256" or "short 64" and its generations in order.</summary>
public sealed record GenerationSeries(string Stage, IReadOnlyList<GenerationPoint> Points);

/// <summary>
/// What history.parquet says about a job: how many evaluations, how many abandoned early, the time spent
/// evaluating (the sum of every row's seconds — the engine's wall time, without validation and bookkeeping),
/// the first and last timestamps, and the best ppl per generation of each stage.
/// </summary>
public sealed record HistoryDigest(
    int Evaluations, int Abandoned, double EvaluationSeconds, DateTimeOffset? First, DateTimeOffset? Last, IReadOnlyList<GenerationSeries> Generations)
{
    public static HistoryDigest Empty { get; } = new(0, 0, 0, null, null, []);

    /// <summary>
    /// Digests the rows. A generation's best ppl counts only fully scored candidates: an abandoned candidate's ppl
    /// is over the samples it got through, not comparable. Stages keep the order they first appear in.
    /// </summary>
    public static HistoryDigest From(IReadOnlyList<HistoryRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) return Empty;
        var stages = rows
            .GroupBy(r => StageName(r.Stage, r.TargetLength))
            .Select(g => new GenerationSeries(g.Key, Progress(g)))
            .ToList();
        return new HistoryDigest(rows.Count, rows.Count(r => r.Abandoned), rows.Sum(r => r.Seconds),
            rows.Min(r => r.Timestamp), rows.Max(r => r.Timestamp), stages);
    }

    private static List<GenerationPoint> Progress(IEnumerable<HistoryRow> stageRows)
    {
        var points = new List<GenerationPoint>();
        double best = double.NaN;
        foreach (var gen in stageRows.GroupBy(r => r.Generation).OrderBy(g => g.Key))
        {
            var full = gen.Where(r => !r.Abandoned && double.IsFinite(r.Ppl)).ToList();
            double genBest = full.Count > 0 ? full.Min(r => r.Ppl) : double.NaN;
            if (double.IsFinite(genBest) && !(genBest >= best)) best = genBest;
            points.Add(new GenerationPoint(gen.Key, best, genBest, gen.Count(), gen.Count(r => r.Abandoned)));
        }
        return points;
    }

    /// <summary>
    /// The stage label of a history row's stage column ("long"/"short") and length, as every table and chart names a
    /// stage (<see cref="FactorKinds.StageName"/>: "target 256", "short 64"); a column value this tool does not write is shown as it is.
    /// </summary>
    public static string StageName(string kind, int length) =>
        FactorKinds.TryParse(kind)?.StageName(length) ?? string.Create(CultureInfo.InvariantCulture, $"{kind} {length}");
}
