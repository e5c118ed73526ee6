using LongRopeSearch.Store.History;

namespace LongRopeSearch.Store.Tests;

/// <summary>History rows for the Store tests, with the values a writer gets wrong first.</summary>
internal static class HistoryTestRows
{
    /// <summary>
    /// A generation of <paramref name="count"/> rows: non-ASCII text, NaN, ±Infinity, −0, subnormal and extreme doubles,
    /// empty and long lists, extreme integers (tokens too), an abandoned row and timestamps with sub-millisecond ticks (and one
    /// before 1970).
    /// </summary>
    public static List<HistoryRow> Generation(int generation, int count, long firstId = 0)
    {
        double[] specials = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, double.Epsilon, double.MaxValue, 1e-300, Math.PI];
        var rows = new List<HistoryRow>();
        for (int i = 0; i < count; i++)
        {
            long id = firstId + i;
            rows.Add(new HistoryRow
            {
                JobId = "job-ß-✓",
                Stage = i % 3 == 2 ? "short" : "long",
                TargetLength = i % 2 == 0 ? 131072 : int.MaxValue,
                Generation = generation,
                CandidateId = i == 1 ? long.MaxValue - generation : id,
                Origin = i == 0 ? "" : i % 2 == 0 ? "mutation" : "crossover \"a\", b\n",
                Lambda = i == 3 ? [] : Enumerable.Range(0, 40 + i).Select(k => 1.0 + k * 0.0625 + generation).ToArray(),
                NHat = i == 4 ? int.MinValue : i,
                AttentionFactor = specials[i % specials.Length],
                PerSampleNll = i == 5 ? [] : Enumerable.Range(0, i % 4 + 1).Select(k => specials[(i + k) % specials.Length]).ToArray(),
                MeanNll = 2.5 + i / 7.0,
                Ppl = Math.Exp(2.5 + i / 7.0),
                Abandoned = i % 4 == 1,
                Seconds = 0.1 * i,
                Timestamp = i == 6
                    ? new DateTimeOffset(1969, 7, 20, 20, 17, 40, 123, TimeSpan.Zero)
                    : new DateTimeOffset(2026, 11, 22, 10, 0, 0, TimeSpan.FromHours(1)).AddTicks(generation * 1_000_000_007L + i * 12_345_678L),
                Tokens = i == 7 ? long.MaxValue : i * 2_097_151L,
                Flops = i == 2 ? 0.0 : 1.0e15 * i + 0.1,
            });
        }
        return rows;
    }
}
