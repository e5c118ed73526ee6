namespace LongRopeSearch.Engine;

/// <summary>Which forward pass to run.</summary>
public enum ForwardPassKind
{
    /// <summary><see cref="ReferenceForward"/>: plain loops, written to be obviously right; the yardstick for every fast kernel.</summary>
    Reference,

    /// <summary><see cref="FastForward"/>: SIMD, tiled and multi-threaded; must match Reference within the stated tolerances.</summary>
    Fast,
}

/// <summary>How to build a forward pass (<see cref="ForwardPassFactory"/>).</summary>
public sealed record ForwardPassOptions
{
    public ForwardPassKind Kind { get; init; } = ForwardPassKind.Fast;

    /// <summary>Worker threads (default: all cores).</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Byte budget of the fast pass's layer-0 cache: the embeddings' q/k/v projections before rotation do not
    /// depend on the factor set, so a search re-scoring the same samples skips them. Least recently used sequences
    /// are evicted first; 0 disables the cache. One 2048-token sample of the tiny model takes 6 MiB, a 64k one 192 MiB.
    /// </summary>
    public long Layer0CacheBytes { get; init; } = FastForward.DefaultLayer0CacheBytes;

    /// <summary>
    /// Budget of the forward pass's activation memory (keys/values, rows in flight, chunk buffers; not the weights,
    /// not the layer-0 cache, which has its own budget), or null for none. A prefix-step evaluation
    /// (<see cref="PerplexityScorer.EvaluateInPrefixSteps"/>) keeps every layer's keys and values; when that would
    /// exceed this budget the scorer runs whole-sequence passes instead and says why
    /// (<see cref="PerplexityScorer.PrefixSteppingUnavailable"/>). The CLI's --max-memory sets it.
    /// </summary>
    public long? MaxMemoryBytes { get; init; }
}
