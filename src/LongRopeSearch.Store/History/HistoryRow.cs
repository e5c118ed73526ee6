using System.Diagnostics.CodeAnalysis;

namespace LongRopeSearch.Store.History;

/// <summary>One evaluated candidate, as recorded in history.parquet (columns: <see cref="HistorySchema"/>).</summary>
public sealed record HistoryRow
{
    public HistoryRow()
    {
    }

    /// <summary>Every member at its default; the reader then sets each column (<see cref="HistorySchema"/>).</summary>
    [SetsRequiredMembers]
    private HistoryRow(bool blank)
    {
        _ = blank;
        JobId = Stage = Origin = "";
        Lambda = PerSampleNll = [];
    }

    public required string JobId { get; init; }

    /// <summary>"long" or "short".</summary>
    public required string Stage { get; init; }
    public required int TargetLength { get; init; }
    public required int Generation { get; init; }
    public required long CandidateId { get; init; }

    /// <summary>Baseline name, "previous-target", "mutation", "crossover", ...</summary>
    public required string Origin { get; init; }

    /// <summary>[pairs] λ_i.</summary>
    public required double[] Lambda { get; init; }
    public required int NHat { get; init; }
    public required double AttentionFactor { get; init; }

    /// <summary>[samples evaluated] mean NLL of each sample.</summary>
    public required double[] PerSampleNll { get; init; }
    public required double MeanNll { get; init; }
    public required double Ppl { get; init; }
    public required bool Abandoned { get; init; }

    /// <summary>Wall time of the evaluation: differs between two runs of the same job.</summary>
    public required double Seconds { get; init; }

    /// <summary>When the evaluation ended (wall clock; history.parquet keeps milliseconds): differs between runs.</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>
    /// Token rows the evaluation pushed through the model, its samples resumed after a kill included (the
    /// uninterrupted evaluation's count); 0 when the evaluator did not say or the file predates this column.
    /// </summary>
    public long Tokens { get; init; }

    /// <summary>Attention-weighted FLOPs of those rows (the engine's ForwardCost); 0 as for <see cref="Tokens"/>.</summary>
    public double Flops { get; init; }

    internal static HistoryRow Blank() => new(blank: true);

    /// <summary>
    /// The row's deterministic columns (every column but the wall-clock ones: seconds, timestamp) as one line of
    /// exact text, doubles in round-trip form: two runs of the same job, interrupted or not, give equal lines for
    /// equal rows. Compare histories with this, not byte for byte.
    /// </summary>
    public string DeterministicText() =>
        string.Join(" | ", HistorySchema.Columns.Where(c => c.Deterministic).Select(c => c.Name + "=" + c.Text(this)));
}
