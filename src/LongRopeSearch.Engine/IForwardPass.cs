using LongRopeSearch.Rope;

namespace LongRopeSearch.Engine;

/// <summary>
/// A causal forward pass of one model over one token sequence, producing only what perplexity needs: the negative
/// log-likelihood of each next token. Two implementations: <see cref="ReferenceForward"/> (plain loops, the yardstick)
/// and <see cref="FastForward"/> (SIMD kernels, all cores). Both are pure functions of (weights, tokens, rope table):
/// the same inputs give the same bits whatever the thread count or timing; the fast one also whatever the SIMD level
/// (docs/DESIGN.md, "the fixed lane order").
/// </summary>
public interface IForwardPass
{
    /// <summary>
    /// nll[t] = −log p(tokens[t+1] | tokens[0..t]) for t in [0, L−1), where L = tokens.Length ≤ rope.Length.
    /// </summary>
    void TokenNll(ReadOnlySpan<int> tokens, RopeTable rope, Span<double> nll, CancellationToken cancellationToken = default);
}
