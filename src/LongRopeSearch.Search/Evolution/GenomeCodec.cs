using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>Between genomes (grid indices) and factor sets, within one <see cref="TargetSpace"/>.</summary>
internal static class GenomeCodec
{
    public static FactorSet ToFactors(TargetSpace space, Genome genome)
    {
        var lambda = new double[space.Pairs];  // [pairs]
        for (int i = 0; i < lambda.Length; i++) lambda[i] = space.GridValue(genome.Index[i]);
        return new FactorSet(lambda, genome.NHat, AttentionFactor(space, genome));
    }

    /// <summary>The grid value the genome holds when the factor is searched, else the space's fixed factor.</summary>
    public static double AttentionFactor(TargetSpace space, Genome genome) =>
        space.AttentionGrid is { } grid ? grid.Value(genome.AttentionIndex) : space.AttentionFactor;

    /// <summary>
    /// Recomputes the pairs below the critical pair k from λ_k: λ_i = λ_k^(i/k), rounded to the nearest grid point,
    /// kept ≤ λ_k and within the pair's bounds. A no-op unless the space uses the ntk-below rule.
    /// </summary>
    public static void DeriveBelowCritical(TargetSpace space, int[] index)
    {
        if (!space.DerivesBelowCritical) return;
        int k = space.CriticalPair;
        var lambdaK = space.GridValue(index[k]);
        var origin = (double)space.GridOrigin;
        var step = (double)space.Step;
        for (int i = 0; i < k; i++)
        {
            var v = Math.Pow(lambdaK, (double)i / k);
            var j = Math.Round((v - origin) / step);
            j = Math.Min(j, index[k]);
            index[i] = (int)Math.Clamp(j, space.LowIndex[i], space.HighIndex[i]);
        }
    }

    /// <summary>
    /// Every index within its pair's bounds, n̂ an allowed choice, the attention index on the grid (or absent when the
    /// factor is fixed), λ non-decreasing when monotone, derived pairs consistent.
    /// </summary>
    public static bool IsValid(TargetSpace space, Genome genome)
    {
        var idx = genome.Index;
        if (idx.Length != space.Pairs || Array.BinarySearch(space.NHatChoices, genome.NHat) < 0) return false;
        if (space.AttentionGrid is { } grid ? genome.AttentionIndex < 0 || genome.AttentionIndex >= grid.Count : genome.AttentionIndex != Genome.FixedAttention)
            return false;
        for (int i = 0; i < idx.Length; i++)
            if (idx[i] < space.LowIndex[i] || idx[i] > space.HighIndex[i]) return false;
        if (space.Monotone && !IsMonotone(idx)) return false;
        if (space.DerivesBelowCritical)
        {
            var copy = (int[])idx.Clone();
            DeriveBelowCritical(space, copy);
            if (!copy.AsSpan().SequenceEqual(idx)) return false;
        }
        return true;
    }

    /// <summary>Grid indices share one origin and step, so λ order is index order.</summary>
    public static bool IsMonotone(int[] index)
    {
        for (int i = 1; i < index.Length; i++)
            if (index[i] < index[i - 1]) return false;
        return true;
    }

    /// <summary>
    /// The nearest point of the space to an arbitrary factor set (a seed): each λ to the nearest grid point within
    /// its pair's bounds; then, when monotone, a running maximum from the first searched pair up (lifting a dip to
    /// its left neighbour, which stays within bounds because bounds are monotone too); then the derived pairs below
    /// k; n̂ to the nearest allowed choice (ties to the smaller). The attention factor is the space's fixed one, or,
    /// when searched, the grid point nearest to the seed's own factor.
    /// </summary>
    public static Genome Snap(TargetSpace space, FactorSet factors)
    {
        if (factors.Pairs != space.Pairs)
            throw new ArgumentException($"seed has {factors.Pairs} factors, the model has {space.Pairs} rotary pairs", nameof(factors));
        var origin = (double)space.GridOrigin;
        var step = (double)space.Step;
        var idx = new int[space.Pairs];  // [pairs]
        for (int i = 0; i < idx.Length; i++)
        {
            var j = Math.Round((factors.Lambda[i] - origin) / step);
            idx[i] = (int)Math.Clamp(j, space.LowIndex[i], space.HighIndex[i]);
        }
        if (space.Monotone)
            for (int i = space.FirstSearchedPair + 1; i < idx.Length; i++)
                idx[i] = Math.Max(idx[i], idx[i - 1]);
        DeriveBelowCritical(space, idx);
        var attention = space.AttentionGrid?.Nearest(factors.AttentionFactor) ?? Genome.FixedAttention;
        return new Genome(idx, NearestChoice(space.NHatChoices, factors.NHat), attention);
    }

    private static int NearestChoice(int[] choices, int n)
    {
        var best = choices[0];
        foreach (var c in choices)
            if (Math.Abs((long)c - n) < Math.Abs((long)best - n)) best = c;
        return best;
    }
}
