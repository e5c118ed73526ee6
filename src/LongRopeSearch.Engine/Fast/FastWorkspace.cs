using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;

namespace LongRopeSearch.Engine;

/// <summary>
/// Every buffer a <see cref="FastForward"/> call needs, kept between calls and grown only when a longer sequence
/// arrives, so a forward pass allocates nothing. Row buffers hold the rows in flight (all L of a whole pass, one
/// segment of a prefix evaluation); key/value slots hold one layer's rotated keys and values for L positions (one
/// slot, reused by every layer, in a whole pass; one per layer in a prefix evaluation); chunk buffers are fixed.
/// Never an [L, L] or [L, vocab] buffer. <see cref="PlannedBytes"/> is the one account of these sizes.
/// </summary>
internal sealed unsafe class FastWorkspace
{
    private readonly ModelConfig _c;
    private readonly List<KvSlot> _slots = [];

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

    /// <summary>Rows the row buffers currently hold.</summary>
    public int Rows { get; private set; }

    /// <summary>Positions every key/value slot currently holds.</summary>
    public int KvLength { get; private set; }

    /// <summary>Row stride of every slot's <see cref="KvSlot.KeysT"/>: <see cref="KvLength"/> rounded up to whole key tiles.</summary>
    public int KeyStride { get; private set; }

    /// <summary>Key/value slots allocated.</summary>
    public int Slots => _slots.Count;

    public AlignedFloats X { get; } = new();       // [rows, hidden] residual stream of the rows in flight
    public AlignedFloats Q { get; } = new();       // [rows, heads·d] rotated queries, then attention output in place
    public AlignedFloats Norm { get; }             // [chunk, hidden] RMSNorm output
    public AlignedFloats Qkv { get; }              // [chunk, q_dim + 2·kv_dim] projections before rotation
    public AlignedFloats Mlp { get; }              // [chunk, 2·intermediate] gate | up, then silu(gate)·up in the gate half
    public AlignedFloats Delta { get; }            // [chunk, hidden] block output before the residual add
    public AlignedFloats Logits { get; }           // [logit_rows, vocab]

    /// <summary>One layer's keys and values over the whole sequence.</summary>
    public sealed class KvSlot
    {
        public AlignedFloats KeysT { get; } = new();   // [kv_heads·d, KeyStride] rotated keys, transposed
        public AlignedFloats Values { get; } = new();  // [kv_heads, L, d] per head, so a head's value tile is contiguous
    }

    public KvSlot Kv(int slot) => _slots[slot];

    /// <summary>Bytes held now (for memory reports).</summary>
    public long Bytes => X.Bytes + Q.Bytes + _slots.Sum(s => s.KeysT.Bytes + s.Values.Bytes)
        + Norm.Bytes + Qkv.Bytes + Mlp.Bytes + Delta.Bytes + Logits.Bytes;

    /// <summary>
    /// Bytes of the buffers for <paramref name="rows"/> rows in flight and <paramref name="slots"/> key/value slots of
    /// <paramref name="kvLength"/> positions (before the 64 bytes of alignment slack per buffer): what
    /// <see cref="EnsureRows"/> and <see cref="EnsureKv"/> allocate, and what the memory budget is checked against.
    /// </summary>
    public static long PlannedBytes(ModelConfig c, int chunkRows, int logitRows, int rows, int kvLength, int slots)
    {
        ArgumentNullException.ThrowIfNull(c);
        long chunk = (long)chunkRows * (c.HiddenSize + c.QueryDim + 2L * c.KvDim + 2L * c.IntermediateSize + c.HiddenSize)
            + (long)logitRows * c.VocabSize;
        long inFlight = (long)rows * (c.HiddenSize + c.QueryDim);
        long slot = (long)c.KvDim * CausalAttention.KeyStride(kvLength) + (long)kvLength * c.KvDim;
        return sizeof(float) * (chunk + inFlight + slots * slot);
    }

    /// <summary>Grows the row buffers to at least <paramref name="rows"/> rows (contents are not kept).</summary>
    public void EnsureRows(int rows)
    {
        if (rows <= Rows) return;
        X.EnsureCapacity((long)rows * _c.HiddenSize);
        Q.EnsureCapacity((long)rows * _c.QueryDim);
        Rows = rows;
    }

    /// <summary>
    /// At least <paramref name="slots"/> key/value slots of at least <paramref name="length"/> positions. Growing the
    /// length reallocates every slot (contents are not kept); adding slots keeps the others.
    /// </summary>
    public void EnsureKv(int slots, int length)
    {
        if (length > KvLength)
        {
            KvLength = length;
            KeyStride = CausalAttention.KeyStride(length);
            foreach (var s in _slots) Allocate(s);
        }
        while (_slots.Count < slots)
        {
            var s = new KvSlot();
            Allocate(s);
            _slots.Add(s);
        }
    }

    private void Allocate(KvSlot s)
    {
        s.Values.EnsureCapacity((long)KvLength * _c.KvDim);
        var kT = s.KeysT.EnsureCapacity((long)_c.KvDim * KeyStride);
        // Padding columns past L are read (never used) by whole-vector score tiles; zero them once anyway.
        new Span<float>(kT, checked((int)((long)_c.KvDim * KeyStride))).Clear();
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

    /// <summary>Drops the row buffers (a prefix evaluation needs only a segment's rows).</summary>
    public void ReleaseRows()
    {
        X.Release(); Q.Release();
        Rows = 0;
    }

    /// <summary>Drops the row buffers and key/value slots (e.g. after an unusually long sample).</summary>
    public void ReleaseSequence()
    {
        X.Release(); Q.Release();
        foreach (var s in _slots) { s.KeysT.Release(); s.Values.Release(); }
        _slots.Clear();
        _tokens = [];
        _nll = [];
        Rows = 0;
        KvLength = 0;
        KeyStride = 0;
    }
}
