namespace LongRopeSearch.Search;

/// <summary>Tallies of draws the operators threw away, for the counters.</summary>
internal sealed class DrawTally
{
    /// <summary>Draws equal to a candidate already evaluated or pending.</summary>
    public long Duplicates;

    /// <summary>Crossover draws that broke monotonicity.</summary>
    public long NonMonotone;
}

/// <summary>
/// LongRoPE's mutation and crossover on genomes. Every random choice comes from the search's one generator, in a
/// fixed order, so a seed fixes the sequence of children.
/// </summary>
internal static class EvolutionOperators
{
    /// <summary>
    /// A new child of <paramref name="parent"/>, or null after <see cref="EvolutionSettings.MaxMutationTries"/> draws
    /// that all gave known genomes. Each draw starts from the parent; each searched pair i (from the critical pair
    /// up, left to right, seeing the pairs already changed in this draw) is, with probability p, resampled uniformly
    /// among the grid points of [max(bound_lo_i, λ_{i−1}), min(bound_hi_i, λ_{i+1})] (neighbours only when monotone;
    /// λ_{i−1} only if it is searched too), so λ stays monotone by construction; then, with probability p, n̂ becomes
    /// a uniformly chosen different allowed value; then, only when the attention factor is searched, with probability p
    /// it becomes a uniformly chosen different grid value (no draw at all otherwise, so a space with a fixed factor
    /// draws exactly the numbers it drew before the factor could be searched).
    /// </summary>
    public static Genome? Mutate(TargetSpace space, Genome parent, Xoshiro256StarStar rng, Func<Genome, bool> isKnown, DrawTally tally)
    {
        var p = space.Evolution.MutationProbability;
        int first = space.FirstSearchedPair;
        for (int attempt = 0; attempt < space.Evolution.MaxMutationTries; attempt++)
        {
            var idx = (int[])parent.Index.Clone();  // [pairs]
            for (int i = first; i < idx.Length; i++)
            {
                if (!rng.Chance(p)) continue;
                int lo = space.LowIndex[i], hi = space.HighIndex[i];
                if (space.Monotone)
                {
                    if (i > first) lo = Math.Max(lo, idx[i - 1]);
                    if (i + 1 < idx.Length) hi = Math.Min(hi, idx[i + 1]);
                }
                idx[i] = lo + rng.NextInt(hi - lo + 1);
            }
            var nHat = parent.NHat;
            var choices = space.NHatChoices;
            if (choices.Length > 1 && rng.Chance(p))
            {
                // Uniform over the other choices: index r of the list with the current value skipped.
                var r = rng.NextInt(choices.Length - 1);
                var current = Array.IndexOf(choices, nHat);
                nHat = choices[current >= 0 && r >= current ? r + 1 : r];
            }
            var attention = parent.AttentionIndex;
            if (space.AttentionGrid is { Count: > 1 } grid && rng.Chance(p))
            {
                var r = rng.NextInt(grid.Count - 1);
                attention = r >= attention ? r + 1 : r;
            }
            GenomeCodec.DeriveBelowCritical(space, idx);
            var child = new Genome(idx, nHat, attention);
            if (isKnown(child)) { tally.Duplicates++; continue; }
            return child;
        }
        return null;
    }

    /// <summary>
    /// A new child taking each searched pair, n̂, and the attention factor when it is searched, from either parent
    /// with probability 1/2, or null after
    /// <see cref="EvolutionSettings.MaxCrossoverTries"/> draws. Non-monotone draws are rejected and drawn again
    /// (as LongRoPE does) rather than sorted: sorting would create λ vectors neither parent suggested.
    /// </summary>
    public static Genome? Crossover(TargetSpace space, Genome a, Genome b, Xoshiro256StarStar rng, Func<Genome, bool> isKnown, DrawTally tally)
    {
        int first = space.FirstSearchedPair;
        for (int attempt = 0; attempt < space.Evolution.MaxCrossoverTries; attempt++)
        {
            var idx = (int[])a.Index.Clone();  // [pairs]
            for (int i = first; i < idx.Length; i++)
                if (rng.Chance(0.5)) idx[i] = b.Index[i];
            var nHat = rng.Chance(0.5) ? b.NHat : a.NHat;
            var attention = space.AttentionGrid is null ? a.AttentionIndex : rng.Chance(0.5) ? b.AttentionIndex : a.AttentionIndex;
            GenomeCodec.DeriveBelowCritical(space, idx);
            if (space.Monotone && !GenomeCodec.IsMonotone(idx)) { tally.NonMonotone++; continue; }
            var child = new Genome(idx, nHat, attention);
            if (isKnown(child)) { tally.Duplicates++; continue; }
            return child;
        }
        return null;
    }
}
