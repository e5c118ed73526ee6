using System.Collections.ObjectModel;

namespace LongRopeSearch.Search;

/// <summary>
/// Where abandoned evaluations stopped, counted: after <see cref="Samples"/> complete samples and
/// <see cref="Rows"/> token rows of the next one (a prefix step end; 0 when the evaluation stopped at the end of a
/// sample). Part of <see cref="SearchCounters.Stops"/>: what `longrope plan --from` costs an abandoned evaluation by,
/// since a stop after a prefix step costs only the rows computed up to it (attention grows with their square).
/// </summary>
public sealed record AbandonStop(int Samples, int Rows, long Count)
{
    /// <summary>Where <paramref name="score"/> (abandoned) stopped: from its prefix sums when it has them, else after its complete samples.</summary>
    public static AbandonStop Of(CandidateScore score)
    {
        ArgumentNullException.ThrowIfNull(score);
        // A last sample with fewer step sums than ends was stopped inside, after its last step.
        if (score.PrefixNllSums is { Length: > 0 } sums && score.PrefixEnds is { } ends && sums[^1].Length is > 0 and var steps && steps < ends.Length)
            return new AbandonStop(sums.Length - 1, ends[steps - 1], 1);
        return new AbandonStop(score.PerSampleNll.Length, 0, 1);
    }

    /// <summary>
    /// <paramref name="a"/> and <paramref name="b"/> merged (counts of the same stop added), ordered by samples then
    /// rows; null when both are null (counters of runs without abandon write nothing).
    /// </summary>
    public static AbandonStopCollection? Merge(IReadOnlyList<AbandonStop>? a, IReadOnlyList<AbandonStop>? b)
    {
        if (a is null && b is null) return null;
        return new AbandonStopCollection((a ?? []).Concat(b ?? [])
            .GroupBy(s => (s.Samples, s.Rows))
            .Select(g => new AbandonStop(g.Key.Samples, g.Key.Rows, g.Sum(s => s.Count)))
            .OrderBy(s => s.Samples).ThenBy(s => s.Rows)
            .ToList());
    }
}

/// <summary>
/// Stops compared by content, so that two <see cref="SearchCounters"/> that count the same stops are equal (as their
/// other members are: the cluster's tests compare its counters with an in-process run's). A JSON array.
/// </summary>
public sealed class AbandonStopCollection : Collection<AbandonStop>, IEquatable<AbandonStopCollection>
{
    public AbandonStopCollection()
    {
    }

    public AbandonStopCollection(IList<AbandonStop> stops)
        : base(stops)
    {
    }

    public bool Equals(AbandonStopCollection? other) => other is not null && this.SequenceEqual(other);

    public override bool Equals(object? obj) => Equals(obj as AbandonStopCollection);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var s in this) hash.Add(s);
        return hash.ToHashCode();
    }
}
