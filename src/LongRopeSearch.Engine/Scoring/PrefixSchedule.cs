using System.Globalization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Engine;

/// <summary>Step ends of a prefix-step evaluation: increasing positions in [1, L − 1], the last L − 1.</summary>
public static class PrefixSchedule
{
    /// <summary>
    /// <paramref name="steps"/> ends spread evenly over the L − 1 positions of a sample of <paramref name="length"/>
    /// tokens: ⌊k·(L − 1) / steps⌋ for k = 1..steps (fewer when L − 1 &lt; steps). Any ends give the same bits; even
    /// ones keep each step's rows many enough for the GEMMs.
    /// </summary>
    public static int[] Even(int length, int steps)
    {
        if (length < 2) throw new ArgumentOutOfRangeException(nameof(length), length, "at least 2 tokens");
        if (steps < 1) throw new InputException("prefix steps", "steps", "an integer ≥ 1", steps.ToString(CultureInfo.InvariantCulture));
        int positions = length - 1;
        return Enumerable.Range(1, steps).Select(k => (int)((long)k * positions / steps)).Where(e => e > 0).Distinct().ToArray();
    }

    /// <summary>
    /// Checks caller-given ends for a sample of <paramref name="length"/> tokens (strictly increasing, each in
    /// [1, L − 1]) and appends L − 1 when the last is short of it.
    /// </summary>
    public static int[] Complete(IReadOnlyList<int> ends, int length)
    {
        ArgumentNullException.ThrowIfNull(ends);
        int positions = length - 1, previous = 0;
        foreach (var e in ends)
        {
            if (e <= previous || e > positions)
                throw new InputException("prefix steps", "ends", $"strictly increasing positions in [1, {positions}]",
                    string.Join(",", ends.Select(x => x.ToString(CultureInfo.InvariantCulture))));
            previous = e;
        }
        return previous == positions ? ends.ToArray() : ends.Append(positions).ToArray();
    }
}
