using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;

namespace LongRopeSearch.Engine;

/// <summary>
/// Every buffer one <see cref="FastForward"/> call needs, kept between calls and grown only when a longer sequence
/// arrives, so a forward pass allocates nothing. Sequence buffers are linear in L; chunk buffers are fixed.
/// Never an [L, L] or [L, vocab] buffer.
/// </summary>
internal sealed unsafe class FastWorkspace
{
    private readonly ModelConfig _c;

    public FastWorkspace(ModelConfig config, int chunkRows, int logitRows)
    {
        _c = config;
        ChunkRows = chunkRows;
        LogitRows = logitRows;
        QkvWidth = config.QueryDim + 2 * config.KvDim;
        Norm = new AlignedFloats((long)chunkRows * config.HiddenSize);
        Qkv = new AlignedFloats((long)chunkRows * QkvWidth);
        Mlp = new AlignedFloats((long)chunkRows * 2 * config.IntermediateSize);
        Delta = new AlignedFloats((long)chunkRows * config.HiddenSize);
        Logits = new AlignedFloats((long)logitRows * config.VocabSize);
    }

    public int ChunkRows { get; }
    public int LogitRows { get; }
    public int QkvWidth { get; }

    /// <summary>Sequence length the sequence buffers currently hold.</summary>
    public int Length { get; private set; }

    /// <summary>Row stride of <see cref="KeysT"/>: the length rounded up to whole key tiles.</summary>
    public int KeyStride { get; private set; }

    public AlignedFloats X { get; } = new();       // [L, hidden] residual stream
    public AlignedFloats Q { get; } = new();       // [L, heads·d] rotated queries, then attention output in place
    public AlignedFloats KeysT { get; } = new();   // [kv_heads·d, KeyStride] rotated keys, transposed
    public AlignedFloats Values { get; } = new();  // [kv_heads, L, d] per head, so a head's value tile is contiguous
    public AlignedFloats Norm { get; }             // [chunk, hidden] RMSNorm output
    public AlignedFloats Qkv { get; }              // [chunk, q_dim + 2·kv_dim] projections before rotation
    public AlignedFloats Mlp { get; }              // [chunk, 2·intermediate] gate | up, then silu(gate)·up in the gate half
    public AlignedFloats Delta { get; }            // [chunk, hidden] block output before the residual add
    public AlignedFloats Logits { get; }           // [logit_rows, vocab]

    /// <summary>Bytes held now (for memory reports).</summary>
    public long Bytes => X.Bytes + Q.Bytes + KeysT.Bytes + Values.Bytes + Norm.Bytes + Qkv.Bytes + Mlp.Bytes + Delta.Bytes + Logits.Bytes;

    public void EnsureLength(int length)
    {
        if (length <= Length) return;
        int keyStride = CausalAttention.KeyStride(length);
        X.EnsureCapacity((long)length * _c.HiddenSize);
        Q.EnsureCapacity((long)length * _c.QueryDim);
        Values.EnsureCapacity((long)length * _c.KvDim);
        var kT = KeysT.EnsureCapacity((long)_c.KvDim * keyStride);
        // Padding columns past L are read (never used) by whole-vector score tiles; zero them once anyway.
        new Span<float>(kT, checked((int)((long)_c.KvDim * keyStride))).Clear();
        Length = length;
        KeyStride = keyStride;
    }

    private int[] _tokens = [];
    private double[] _nll = [];

    /// <summary>The tokens copied into a reused array (row jobs cannot hold a span).</summary>
    public int[] Tokens(ReadOnlySpan<int> tokens)
    {
        if (_tokens.Length < tokens.Length) _tokens = new int[tokens.Length];
        tokens.CopyTo(_tokens);
        return _tokens;
    }

    /// <summary>A reused array of at least <paramref name="count"/> NLLs.</summary>
    public double[] Nll(int count)
    {
        if (_nll.Length < count) _nll = new double[count];
        return _nll;
    }

    /// <summary>Drops the sequence buffers (e.g. after an unusually long sample).</summary>
    public void ReleaseSequence()
    {
        X.Release(); Q.Release(); KeysT.Release(); Values.Release();
        _tokens = [];
        _nll = [];
        Length = 0;
        KeyStride = 0;
    }
}
