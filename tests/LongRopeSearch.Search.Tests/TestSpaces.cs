using LongRopeSearch.Rope;
using LongRopeSearch.Search;

namespace LongRopeSearch.Search.Tests;

/// <summary>Small spaces so that each test runs in well under a second.</summary>
public static class TestSpaces
{
    public const int Pairs = 8;
    public const int OriginalLength = 64;

    public static SearchSpace Small(ulong seed = 7, bool abandon = false, int samples = 4) => new()
    {
        Source = "test space",
        Pairs = Pairs,
        OriginalLength = OriginalLength,
        Targets = [512, 1024],
        ShortLength = 128,
        Step = 0.01m,
        NHatChoices = [0, 1, 2, 4, 8, 16, 32, 64, 128],
        Seed = seed,
        Evolution = new EvolutionSettings
        {
            Population = 16, Generations = 10, Parents = 8, Mutations = 6, Crossovers = 6, Samples = samples,
            EarlyAbandon = new EarlyAbandonSettings(abandon, 0.05, 1),
        },
    };

    /// <summary><see cref="Small"/> with the attention factor searched on [1.00, 1.40] in steps of 0.01.</summary>
    public static SearchSpace SmallSearchingAttention(ulong seed = 7, bool abandon = false, int samples = 4) =>
        Small(seed, abandon, samples) with
        {
            AttentionFactor = new AttentionFactorSetting(AttentionFactorPolicy.Search, Grid: new AttentionFactorGrid(1.0m, 1.4m, 0.01m)),
        };

    public static TargetSpace Target(SearchSpace space, int length, int? criticalPair = null) =>
        TargetSpace.Create(space, FactorKind.Long, length, criticalPair, space.AttentionFactor.For(length, space.OriginalLength));

    /// <summary>
    /// Baselines of a kind: PI (all λ = s, attention factor 1) and a crude NTK-like curve λ_i = s^(i/(P−1)) with a
    /// YaRN-like attention factor 0.1·ln s + 1 (used only by spaces that search the factor), both n̂ = 0.
    /// </summary>
    public static IReadOnlyList<SeedCandidate> Baselines(int pairs, double scale) =>
    [
        new("pi", new FactorSet(Enumerable.Repeat(scale, pairs).ToArray())),
        new("ntk", new FactorSet(Enumerable.Range(0, pairs).Select(i => Math.Pow(scale, (double)i / (pairs - 1))).ToArray(), 0, 0.1 * Math.Log(scale) + 1)),
    ];

    public static ISeedProvider BaselineProvider { get; } = SeedProvider.FromDelegate(stage =>
        stage.Kind == FactorKind.Long ? Baselines(stage.Space.Pairs, stage.Scale) : []);
}
