using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>
/// One factor set proposed by the search, with where it came from. <see cref="Id"/> is unique within a whole
/// (progressive) search and orders ties; <see cref="Origin"/> is a seed's label or one of <see cref="CandidateOrigin"/>.
/// </summary>
public sealed class Candidate
{
    internal Candidate(long id, int generation, string origin, IReadOnlyList<long> parentIds, Genome genome, FactorSet factors)
    {
        Id = id;
        Generation = generation;
        Origin = origin;
        ParentIds = parentIds;
        Genome = genome;
        Factors = factors;
        Key = factors.Key;
    }

    public long Id { get; }

    /// <summary>0 for the initial population (seeds and their mutations), then 1, 2, ...</summary>
    public int Generation { get; }

    public string Origin { get; }

    /// <summary>Ids of the parents (none for a seed, one for a mutation, two for a crossover).</summary>
    public IReadOnlyList<long> ParentIds { get; }

    public FactorSet Factors { get; }

    /// <summary><see cref="FactorSet.Key"/>: the identity used by the evaluated cache.</summary>
    public string Key { get; }

    internal Genome Genome { get; }

    public override string ToString() => $"#{Id} g{Generation} {Origin}: {Factors.Summary()}";
}

/// <summary>Origin labels of candidates the search makes itself (seeds carry the caller's label).</summary>
public static class CandidateOrigin
{
    /// <summary>A child of one parent.</summary>
    public const string Mutation = "mutation";

    /// <summary>A child of two parents.</summary>
    public const string Crossover = "crossover";

    /// <summary>A generation-0 mutation of a seed, filling the initial population.</summary>
    public const string SeedMutation = "seed-mutation";

    /// <summary>Seed: the previous target's best, rescaled to this target's scale.</summary>
    public const string PreviousTarget = "previous-target";

    /// <summary>Seed of the short search: the unmodified λ (all 1), n̂ = 0.</summary>
    public const string Identity = "identity";

    /// <summary>Seed of the short search: the last long target's best, rescaled to the short scale.</summary>
    public const string LongRescaled = "long-rescaled";
}

/// <summary>A starting point handed to the search (a baseline such as PI, NTK, YaRN, or an earlier result).</summary>
/// <param name="Label">Becomes the candidate's <see cref="Candidate.Origin"/>, e.g. "pi", "yarn".</param>
public sealed record SeedCandidate(string Label, FactorSet Factors);

/// <summary>A candidate with its score.</summary>
public sealed record EvaluatedCandidate(Candidate Candidate, CandidateScore Score);
