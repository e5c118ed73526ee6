namespace LongRopeSearch.Store.History;

/// <summary>One evaluated candidate, as recorded in history.parquet.</summary>
public sealed record HistoryRow
{
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
    public required double Seconds { get; init; }
    public required DateTimeOffset Timestamp { get; init; }
}
