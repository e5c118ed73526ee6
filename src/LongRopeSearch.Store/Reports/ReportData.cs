using LongRopeSearch.Store.Validation;

namespace LongRopeSearch.Store.Reports;

/// <summary>Perplexity of one factor set (a method) across the evaluated lengths.</summary>
/// <param name="Searched">True for the search's own factor sets (drawn solid), false for reference methods (dashed).</param>
public sealed record SweepSeries(string Method, bool Searched, IReadOnlyList<SweepPoint> Points);

/// <summary>ppl at one length (NaN when it could not be scored there).</summary>
public sealed record SweepPoint(int Length, double Ppl);

/// <summary>λ per rotary pair of one factor set.</summary>
public sealed record FactorCurve(string Name, bool Searched, IReadOnlyList<double> Lambda);

/// <summary>Everything report.html shows; built by the report command, rendered by <see cref="HtmlReport"/>.</summary>
public sealed record ReportData
{
    public required string JobId { get; init; }
    public required string ModelPath { get; init; }

    /// <summary>L0: the context the model was trained at.</summary>
    public required int OriginalLength { get; init; }

    /// <summary>Searched target lengths (those with a best file).</summary>
    public required IReadOnlyList<int> Targets { get; init; }
    public int? ShortLength { get; init; }

    /// <summary>"finished", "running", … from the job's status file, when known.</summary>
    public string? Status { get; init; }

    /// <summary>Validation documents scored per length in the sweep.</summary>
    public required int SweepSamples { get; init; }
    public required string ValidationPath { get; init; }
    public required HistoryDigest History { get; init; }

    /// <summary>Why the history could not be shown (history.parquet missing), said in the page instead of a silent gap.</summary>
    public string? HistoryProblem { get; init; }
    public required IReadOnlyList<SweepSeries> Sweep { get; init; }
    public required IReadOnlyList<FactorCurve> Factors { get; init; }
    public required IReadOnlyList<ValidationTable> Validation { get; init; }

    /// <summary>Things the reader should know (lengths skipped, cache discarded, …).</summary>
    public IReadOnlyList<string> Notes { get; init; } = [];
    public DateTimeOffset GeneratedAt { get; init; } = DateTimeOffset.UtcNow;
}
