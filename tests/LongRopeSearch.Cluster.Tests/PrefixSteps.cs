using LongRopeSearch.Rope;
using LongRopeSearch.Search;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// Real search steps whose generation's rule compares prefixes: a searcher over a tiny prefix-first space whose
/// generation 0 is reported with hand-written scores (awkward doubles: 0.1 + 0.2, large sums, a subnormal, −0), so
/// the generation-1 steps carry a rule built from them. The codec and store tests check those bits survive.
/// </summary>
internal static class PrefixSteps
{
    public const int Length = 512;

    /// <summary>The stage's step ends: ⌊0.25·511⌋, ⌊0.5·511⌋, 511.</summary>
    public static readonly int[] Ends = [127, 255, 511];

    /// <summary>0.1 + 0.2 (not 0.3) as the prefix margin, 1/3 as the per-sample margin: doubles with no short decimal form.</summary>
    public const double PrefixMargin = 0.1 + 0.2;
    public const double Margin = 1.0 / 3;

    // Generation 0, in candidate-id order: [candidate][sample][step] NLL sums. Means rank them 1, 3, 0, 2 (best first),
    // so with 2 parents the threshold is candidate 3 (the 2nd best).
    private static readonly double[][][] Generation0 =
    [
        [[0.1 + 0.2, 1e15 + 0.3, 123456789.01234567], [40.5, 81.25, 1000.125]],
        [[1.0, 2.0, 3.0], [1.5, 2.5, 3.5]],
        [[5e-324, 1e300, 1.7976931348623157e308], [7.0, 8.0, 9.0]],
        [[-0.0, Math.BitIncrement(100.0), 2.0 / 3 * 511], [Math.PI, Math.E * 100, 1e5 / 7]],
    ];

    /// <summary>The threshold's (candidate 3's) sums, as written above.</summary>
    public static double[][] ThresholdSums => Generation0[3];

    public static SearchSpace Space => new()
    {
        Source = "prefix steps test space",
        Pairs = 8,
        OriginalLength = 64,
        Targets = [Length],
        NHatChoices = [0, 4],
        Seed = 11,
        Evolution = new EvolutionSettings
        {
            Population = 4, Generations = 1, Parents = 2, Mutations = 1, Crossovers = 1, Samples = 2,
            EarlyAbandon = new EarlyAbandonSettings(true, Margin, 1) { Prefix = new PrefixAbandonSettings { Fractions = [0.25, 0.5], Margin = PrefixMargin } },
        },
    };

    /// <summary>A searcher whose generation 0 is reported; its pending steps are generation 1's, with the prefix rule.</summary>
    public static LongRopeSearcher AtGeneration1()
    {
        var space = Space;
        var target = TargetSpace.Create(space, FactorKind.Long, Length, null, space.AttentionFactor.For(Length, space.OriginalLength));
        var searcher = new LongRopeSearcher(target,
            [new SeedCandidate("pi", new FactorSet(Enumerable.Repeat(8.0, 8).ToArray())), new SeedCandidate("two", new FactorSet(Enumerable.Repeat(2.0, 8).ToArray()))],
            space.Seed);
        var generation0 = searcher.PendingSteps();
        if (generation0.Count != Generation0.Length) throw new InvalidOperationException($"generation 0 has {generation0.Count} steps");
        for (int i = 0; i < Generation0.Length; i++)
        {
            var sums = Generation0[i];
            var perSample = sums.Select(s => s[^1] / Ends[^1]).ToArray();
            // Means chosen to rank the candidates 1, 3, 0, 2 whatever the sums' sizes.
            double mean = new[] { 3.0, 1.0, 4.0, 2.0 }[i];
            searcher.Report(generation0[i].Candidate.Id, new CandidateScore(perSample, mean, false, 0.25)
            {
                PrefixEnds = [.. Ends], PrefixNllSums = sums.Select(s => (double[])s.Clone()).ToArray(), Tokens = 2 * 511, Flops = 1.2345678901234567e15,
            });
        }
        return searcher;
    }

    public static long[] Bits(IEnumerable<double> values) => values.Select(BitConverter.DoubleToInt64Bits).ToArray();
}
