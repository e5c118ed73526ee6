namespace LongRopeSearch.Search;

/// <summary>
/// The search's own form of a candidate: an integer grid index per pair (derived pairs below the critical pair
/// included), n̂, and the attention factor's grid index when the space searches it. Integers make identity exact
/// and the operators simple; <see cref="GenomeCodec"/> turns it into a <see cref="LongRopeSearch.Rope.FactorSet"/>.
/// </summary>
internal sealed class Genome
{
    /// <summary>Value of <see cref="AttentionIndex"/> when the space does not search the attention factor.</summary>
    public const int FixedAttention = -1;

    public Genome(int[] index, int nHat, int attentionIndex = FixedAttention)
    {
        Index = index;
        NHat = nHat;
        AttentionIndex = attentionIndex;
    }

    /// <summary>[pairs] grid index of λ_i.</summary>
    public int[] Index { get; }

    public int NHat { get; }

    /// <summary>Index into <see cref="TargetSpace.AttentionGrid"/>, or <see cref="FixedAttention"/>.</summary>
    public int AttentionIndex { get; }
}
