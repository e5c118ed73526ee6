using LongRopeSearch.Rope;

namespace LongRopeSearch.Engine;

/// <summary>
/// One sample's prefix evaluation on a <see cref="FastForward"/>: the sample's tokens and rope table, how far it has
/// got, and its layer-0 cache entry. The keys and values of the positions done live in the forward pass's workspace
/// (one slot per layer), which this evaluation holds until it is disposed.
/// </summary>
internal sealed class FastPrefixEvaluation(FastForward owner, int[] tokens, RopeTable rope, double[] results, FastLayer0Cache.Entry? layer0)
    : IPrefixEvaluation
{
    /// <summary>The sample, copied (row jobs read token ids from an array).</summary>
    public int[] Tokens { get; } = tokens;

    public RopeTable Rope { get; } = rope;

    /// <summary>[L − 1] NLLs by position, filled up to <see cref="Position"/> (the forward pass's reused array).</summary>
    public double[] Results { get; } = results;

    public FastLayer0Cache.Entry? Layer0 { get; } = layer0;

    public int Length => Tokens.Length;

    public int Positions => Tokens.Length - 1;

    public int Position { get; internal set; }

    public void Advance(int toPosition, Span<double> nll, CancellationToken cancellationToken = default) =>
        owner.Advance(this, toPosition, nll, cancellationToken);

    public void Dispose() => owner.End(this);
}
