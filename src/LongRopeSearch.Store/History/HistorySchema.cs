using Parquet.Schema;

namespace LongRopeSearch.Store.History;

/// <summary>
/// The columns of history.parquet, in file order: the one definition that the writer and reader
/// (<see cref="HistoryLog"/>), the deterministic comparison (<see cref="HistoryRow.DeterministicText"/>), the docs
/// (docs/history.md) and the DuckDB interop tests follow. Adding a member to <see cref="HistoryRow"/> that belongs in
/// the file means adding one line here.
/// </summary>
public static class HistorySchema
{
    public static IReadOnlyList<HistoryColumn> Columns { get; } =
    [
        HistoryColumn.Text("job_id", r => r.JobId, (r, v) => r with { JobId = v }),
        HistoryColumn.Text("stage", r => r.Stage, (r, v) => r with { Stage = v }),
        HistoryColumn.Int32("target_length", r => r.TargetLength, (r, v) => r with { TargetLength = v }),
        HistoryColumn.Int32("generation", r => r.Generation, (r, v) => r with { Generation = v }),
        HistoryColumn.Int64("candidate_id", r => r.CandidateId, (r, v) => r with { CandidateId = v }),
        HistoryColumn.Text("origin", r => r.Origin, (r, v) => r with { Origin = v }),
        HistoryColumn.DoubleList("lambda", r => r.Lambda, (r, v) => r with { Lambda = v }),
        HistoryColumn.Int32("n_hat", r => r.NHat, (r, v) => r with { NHat = v }),
        HistoryColumn.Double("attention_factor", r => r.AttentionFactor, (r, v) => r with { AttentionFactor = v }),
        HistoryColumn.DoubleList("per_sample_nll", r => r.PerSampleNll, (r, v) => r with { PerSampleNll = v }),
        HistoryColumn.Double("mean_nll", r => r.MeanNll, (r, v) => r with { MeanNll = v }),
        HistoryColumn.Double("ppl", r => r.Ppl, (r, v) => r with { Ppl = v }),
        HistoryColumn.Boolean("abandoned", r => r.Abandoned, (r, v) => r with { Abandoned = v }),
        HistoryColumn.Double("seconds", r => r.Seconds, (r, v) => r with { Seconds = v }, deterministic: false),
        HistoryColumn.Timestamp("timestamp", r => r.Timestamp, (r, v) => r with { Timestamp = v }),
        HistoryColumn.Int64("tokens", r => r.Tokens, (r, v) => r with { Tokens = v }),
        HistoryColumn.Double("flops", r => r.Flops, (r, v) => r with { Flops = v }),
    ];

    /// <summary>
    /// Files written before the cost columns (tokens, flops) hold the first 15 columns only: they are read with 0 in
    /// both, and rewritten in the current columns at the next append (<see cref="HistoryLog"/>).
    /// </summary>
    internal const int ColumnsBeforeCosts = 15;

    /// <summary>The Parquet.Net schema of a file written before the cost columns.</summary>
    internal static ParquetSchema NewParquetSchemaBeforeCosts() => new(Columns.Take(ColumnsBeforeCosts).Select(c => c.NewField()).ToArray());

    /// <summary>A new Parquet.Net schema of <see cref="Columns"/> (a schema owns its field instances, so one per file).</summary>
    internal static ParquetSchema NewParquetSchema() => new(Columns.Select(c => c.NewField()).ToArray());
}
