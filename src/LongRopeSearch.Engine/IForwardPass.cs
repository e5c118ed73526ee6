using LongRopeSearch.Rope;

namespace LongRopeSearch.Engine;

/// <summary>
/// A causal forward pass of one model over one token sequence, producing only what perplexity needs:
/// the negative log-likelihood of each next token. Implementations are pure functions of
/// (weights, tokens, rope table): the same inputs give the same bits, whatever the thread timing.
/// </summary>
public interface IForwardPass
{
    /// <summary>
    /// nll[t] = −log p(tokens[t+1] | tokens[0..t]) for t in [0, L−1), where L = tokens.Length ≤ rope.Length.
    /// </summary>
    void TokenNll(ReadOnlySpan<int> tokens, RopeTable rope, Span<double> nll, CancellationToken cancellationToken = default);
}

/// <summary>Which forward implementation to use.</summary>
public enum EngineKind
{
    /// <summary>Plain loops, written to be obviously right; the yardstick for every fast kernel.</summary>
    Reference,

    /// <summary>SIMD, tiled and multi-threaded; must match Reference within the stated tolerances.</summary>
    Fast,
}

public sealed record EngineOptions
{
    public EngineKind Kind { get; init; } = EngineKind.Fast;

    /// <summary>Worker threads for the fast engine (default: all cores).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Byte budget of the fast engine's layer-0 cache: the embeddings' q/k/v projections before rotation do not
    /// depend on the factor set, so a search re-scoring the same samples skips them. Least recently used sequences
    /// are evicted first; 0 disables the cache. One 2048-token sample of the tiny model takes 6 MiB, a 64k one 192 MiB.
    /// </summary>
    public long Layer0CacheBytes { get; init; } = 256L << 20;
}

/// <summary>Perplexity of one factor set on one sample set.</summary>
/// <param name="Length">Tokens per sample (L).</param>
/// <param name="PerSampleNll">Mean NLL over the L−1 predictions of each evaluated sample, in sample order.</param>
/// <param name="MeanNll">Mean of the per-sample NLLs evaluated (all of them unless abandoned).</param>
/// <param name="Abandoned">True when evaluation stopped early because the caller's control said so.</param>
public sealed record EvalResult(int Length, double[] PerSampleNll, double MeanNll, bool Abandoned, double Seconds)
{
    public double Ppl => Math.Exp(MeanNll);
}
