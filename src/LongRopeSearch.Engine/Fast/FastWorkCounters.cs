namespace LongRopeSearch.Engine;

/// <summary>
/// What a <see cref="FastForward"/> has pushed through the model, counted where the work is handed to the kernels:
/// tests prove with it that a prefix evaluation stopped early paid only for its prefix (never with wall time).
/// Written under the forward pass's lock; read by tests between calls.
/// </summary>
internal sealed class FastWorkCounters
{
    /// <summary>Rows through one layer (attention block and MLP), summed over layers.</summary>
    public long LayerRows { get; private set; }

    /// <summary>Rows through a q|k|v GEMM (layer-0 rows read from the cache are not counted).</summary>
    public long QkvGemmRows { get; private set; }

    /// <summary>Causal (query, key) pairs handed to attention, summed over layers: query row t has t + 1 keys.</summary>
    public long AttentionPairs { get; private set; }

    /// <summary>Rows through the final norm, the lm head and the NLL.</summary>
    public long LogitRows { get; private set; }

    public void Layer(int from, int to)
    {
        LayerRows += to - from;
        AttentionPairs += ForwardCost.CausalPairs(from, to);
    }

    public void QkvGemm(int rows) => QkvGemmRows += rows;

    public void Logits(int rows) => LogitRows += rows;

    public void Reset() => (LayerRows, QkvGemmRows, AttentionPairs, LogitRows) = (0, 0, 0, 0);
}
