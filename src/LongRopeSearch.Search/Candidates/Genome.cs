namespace LongRopeSearch.Search;

/// <summary>
/// The search's own form of a candidate: an integer grid index per pair (derived pairs below the critical pair
/// included) and n̂. Integers make identity exact and the operators simple; <see cref="GenomeCodec"/> turns it
/// into a <see cref="LongRopeSearch.Rope.FactorSet"/>.
/// </summary>
internal sealed class Genome
{
    public Genome(int[] index, int nHat)
    {
        Index = index;
        NHat = nHat;
    }

    /// <summary>[pairs] grid index of λ_i.</summary>
    public int[] Index { get; }

    public int NHat { get; }
}
