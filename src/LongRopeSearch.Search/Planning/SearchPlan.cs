using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>
/// What to search: long targets in increasing order (each after the first is seeded with the previous target's
/// best, rescaled), then optionally short factors at <see cref="ShortLength"/>.
/// </summary>
public sealed record SearchPlan(IReadOnlyList<int> Targets, int? ShortLength = null)
{
    /// <summary>The targets and short length the search file names.</summary>
    public static SearchPlan FromSpace(SearchSpace space)
    {
        ArgumentNullException.ThrowIfNull(space);
        return new SearchPlan(space.Targets, space.ShortLength);
    }
}

/// <summary>One stage of a plan: a long target or the short search, with its resolved space.</summary>
public sealed record SearchStage(int Index, TargetSpace Space)
{
    public FactorKind Kind => Space.Kind;
    public int Length => Space.Length;

    /// <summary>Length / L0.</summary>
    public double Scale => Space.Scale;

    /// <summary>"target 4096" or "short 512", for logs and progress.</summary>
    public string Name => Kind.StageName(Length);
}

/// <summary>
/// The caller's seeds for a stage (typically the baselines PI, NTK, YaRN... at the stage's scale). Called once
/// when the stage starts, including after a restore for stages not started yet, so it must be deterministic.
/// </summary>
public interface ISeedProvider
{
    IReadOnlyList<SeedCandidate> SeedsFor(SearchStage stage);
}

/// <summary>Ready-made seed providers.</summary>
public static class SeedProvider
{
    /// <summary>No seeds of the caller's (the plan's own seeds only: previous target, identity, long best).</summary>
    public static ISeedProvider None { get; } = new DelegateSeedProvider(_ => []);

    public static ISeedProvider FromDelegate(Func<SearchStage, IReadOnlyList<SeedCandidate>> seeds)
    {
        ArgumentNullException.ThrowIfNull(seeds);
        return new DelegateSeedProvider(seeds);
    }

    private sealed class DelegateSeedProvider(Func<SearchStage, IReadOnlyList<SeedCandidate>> seeds) : ISeedProvider
    {
        public IReadOnlyList<SeedCandidate> SeedsFor(SearchStage stage) => seeds(stage);
    }
}
