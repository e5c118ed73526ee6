using System.Numerics.Tensors;
using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using Tensor = LongRopeSearch.Model.Tensor;

namespace LongRopeSearch.Engine;

/// <summary>
/// The fast forward pass: the same Llama semantics as <see cref="ReferenceForward"/>, layer by layer over the whole
/// sequence, with SIMD GEMM (<see cref="Gemm"/>), flash-style causal attention (<see cref="CausalAttention"/>) and
/// all cores (<see cref="WorkerPool"/>). Rows go through the projections in chunks of <see cref="ChunkRows"/>;
/// memory is linear in L: the residual stream [L, hidden], queries/attention output [L, q_dim], keys and values
/// [L, kv_dim] of the current layer, plus fixed chunk buffers (never [L, L], never [L, vocab]).
/// <para>
/// Deterministic: every value is computed by one task with a fixed summation order (<see cref="LaneOrder"/>), so the
/// same inputs give the same bits on every run, for every thread count and chunk size, and at every
/// <see cref="SimdLevel"/>: with AVX-512, with AVX2 only or with no vectors at all.
/// </para>
/// <para>
/// A prefix evaluation (<see cref="BeginSample"/>) runs the same row pipeline over segments of the sequence and keeps
/// every layer's keys and values between them ([layers, L, 2·kv_dim], still linear in L) plus one segment's rows in
/// flight (at most <see cref="SegmentRows"/>); a completed one gives the whole pass's bits (docs/DESIGN.md). Once it
/// has, whole passes of up to that length run through the same slots in segments rather than allocating [L, hidden]
/// rows on top, so the workspace holds one mode's memory, not both.
/// </para>
/// Layer-0 q/k/v before rotation depend only on the tokens; they are cached per token sequence
/// (<see cref="FastLayer0Cache"/>) so scoring the same sample under another factor set skips that work.
/// Calls are serialized (one workspace per forward pass): whole passes per call, prefix evaluations per sample (another
/// thread's call waits until the open evaluation is disposed); dispose to stop the worker threads.
/// </summary>
public sealed unsafe class FastForward : IPrefixForwardPass, IDisposable
{
    /// <summary>Default byte budget of the layer-0 projection cache (<see cref="ForwardPassOptions.Layer0CacheBytes"/>).</summary>
    public const long DefaultLayer0CacheBytes = 256L << 20;

    /// <summary>Token rows per projection step: enough rows to amortize packing each weight panel.</summary>
    public const int DefaultChunkRows = 516; // 512 rounded up to the 6-row micro-tile

    private const long LogitBudgetFloats = 8L << 20; // [logit rows, vocab] ≤ 32 MiB

    /// <summary><see cref="SegmentRows"/> in chunks: enough rows that each attention call has work for every core.</summary>
    private const int SegmentChunks = 4;

    private readonly LlamaWeights _weights;
    private readonly ModelConfig _c;
    private readonly WorkerPool _pool;
    private readonly Gemm _gemm;
    private readonly CausalAttention _attention;
    private readonly FastWorkspace _ws;
    private readonly FastLayer0Cache _cache;
    private readonly FastLayerParams[] _layers;
    private readonly float[] _finalNorm;      // [hidden]
    private readonly Tensor[] _lmHead;
    private readonly ProjectionRowsJob _projectionRows;
    private readonly SwiGluRowsJob _swiGluRows = new();
    private readonly NllRowsJob _nllRows = new();
    private readonly object _gate = new();
    private FastPrefixEvaluation? _open;
    private int _openThread; // managed thread id that began _open
    private bool _disposed;

    /// <summary>At this machine's widest SIMD level (<see cref="SimdLevels.Best"/>).</summary>
    public FastForward(LlamaWeights weights, ForwardPassOptions options)
        : this(weights, options, SimdLevels.Best)
    {
    }

    /// <summary>
    /// Forces a vector level and chunk size: tests compare levels and chunkings on one machine. A level wider than
    /// the hardware runs emulated by .NET, slowly but with the same IEEE operations lane by lane.
    /// </summary>
    internal FastForward(LlamaWeights weights, ForwardPassOptions options, SimdLevel level, int chunkRows = DefaultChunkRows)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ForwardInputGuard.CheckOptions(options);
        if (chunkRows < 1) throw new ArgumentOutOfRangeException(nameof(chunkRows), chunkRows, "at least one row");
        _weights = weights;
        _c = weights.Config;
        Level = level;
        ChunkRows = chunkRows;
        SegmentRows = SegmentChunks * chunkRows;
        int logitRows = (int)Math.Clamp(LogitBudgetFloats / _c.VocabSize, 1, chunkRows);
        _ws = new FastWorkspace(_c, chunkRows, logitRows);
        _cache = new FastLayer0Cache(options.Layer0CacheBytes);
        _layers = weights.Layers.Select(l => new FastLayerParams(l, _c)).ToArray();
        _finalNorm = weights.FinalNorm.ToFloatArray();
        _lmHead = [weights.LmHead];
        _projectionRows = new ProjectionRowsJob(options.Threads, _c.KvDim);
        // Last, so a constructor that throws leaves no threads behind.
        _pool = new WorkerPool(options.Threads);
        _gemm = new Gemm(_pool, level);
        _attention = new CausalAttention(_pool, level);
    }

    /// <summary>A forward pass dropped without Dispose still stops its worker threads.</summary>
    ~FastForward() => _pool?.Dispose();

    public SimdLevel Level { get; }

    /// <summary>Token rows per projection step.</summary>
    public int ChunkRows { get; }

    /// <summary>
    /// Rows a prefix evaluation runs through the layers at once, at most: a longer Advance goes in segments of this
    /// size, so its rows in flight (residual stream, queries) stay fixed whatever the sample length.
    /// </summary>
    public int SegmentRows { get; }

    /// <summary>What this forward pass has computed so far (tests).</summary>
    internal FastWorkCounters Work { get; } = new();

    public int Threads => _pool.Threads;

    /// <summary>Layer-0 cache lookups that found / did not find the sequence.</summary>
    public long Layer0CacheHits => _cache.Hits;
    public long Layer0CacheMisses => _cache.Misses;
    public long Layer0CacheBytes => _cache.Bytes;

    /// <summary>Bytes of the activation buffers currently held (excluding the layer-0 cache).</summary>
    public long WorkspaceBytes => _ws.Bytes;

    public void TokenNll(ReadOnlySpan<int> tokens, RopeTable rope, Span<double> nll, CancellationToken cancellationToken = default)
    {
        ForwardInputGuard.CheckForward(_c, tokens, rope, nll.Length);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            WaitForPrefixClosed();
            int length = tokens.Length;
            // Once a prefix evaluation has given every layer a slot this long, the whole pass runs as segments through
            // them (same bits) instead of growing the row buffers to L on top: the workspace holds one mode's memory.
            bool segmented = _ws.Slots >= _layers.Length && _ws.KvLength >= length;
            _ws.EnsureRows(segmented ? Math.Min(SegmentRows, length - 1) : length);
            _ws.EnsureKv(1, length);
            var targets = _ws.Tokens(tokens);
            var results = _ws.Nll(length - 1);
            var layer0 = Layer0Entry(tokens);
            try
            {
                fixed (float* cos = rope.Cos, sin = rope.Sin)
                {
                    if (!segmented) Rows(targets, length, 0, length, cos, sin, layer0, kvPerLayer: false, results, cancellationToken);
                    for (int from = 0; segmented && from < length - 1; from += SegmentRows)
                        Rows(targets, length, from, Math.Min(length - 1, from + SegmentRows), cos, sin, layer0, kvPerLayer: true, results, cancellationToken);
                }
            }
            catch
            {
                DropIfEmpty(layer0);
                throw;
            }
            results.AsSpan(0, length - 1).CopyTo(nll);
            // `new FastForward(...).TokenNll(...)` must not let the finalizer stop the pool mid-call.
            GC.KeepAlive(this);
        }
    }

    /// <inheritdoc/>
    public IPrefixEvaluation BeginSample(ReadOnlySpan<int> tokens, RopeTable rope)
    {
        ForwardInputGuard.CheckForward(_c, tokens, rope, tokens.Length - 1);
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            WaitForPrefixClosed();
            int length = tokens.Length;
            // A whole pass's [L, …] rows are not needed once every layer has its own slot: give them back first.
            if (_ws.Rows > SegmentRows) _ws.ReleaseRows();
            _ws.EnsureRows(Math.Min(SegmentRows, length - 1));
            _ws.EnsureKv(_layers.Length, length);
            _open = new FastPrefixEvaluation(this, tokens.ToArray(), rope, _ws.Nll(length - 1), Layer0Entry(tokens));
            _openThread = Environment.CurrentManagedThreadId;
            return _open;
        }
    }

    /// <inheritdoc/>
    public long PrefixEvaluationBytes(int length) =>
        FastWorkspace.PlannedBytes(_c, ChunkRows, _ws.LogitRows, Math.Min(SegmentRows, length - 1), length, _layers.Length);

    /// <inheritdoc/>
    public long WholePassBytes(int length) => FastWorkspace.PlannedBytes(_c, ChunkRows, _ws.LogitRows, length, length, 1);

    /// <summary>Rows [Position, toPosition) of an open prefix evaluation, in segments of at most <see cref="SegmentRows"/>.</summary>
    internal void Advance(FastPrefixEvaluation evaluation, int toPosition, Span<double> nll, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            ObjectDisposedException.ThrowIf(!ReferenceEquals(_open, evaluation), evaluation);
            if (toPosition <= evaluation.Position || toPosition > evaluation.Positions)
                throw new ArgumentOutOfRangeException(nameof(toPosition), toPosition, $"in ({evaluation.Position}, {evaluation.Positions}]");
            if (nll.Length < evaluation.Positions)
                throw new ArgumentException($"nll holds {nll.Length} values, the sample has {evaluation.Positions} positions", nameof(nll));
            fixed (float* cos = evaluation.Rope.Cos, sin = evaluation.Rope.Sin)
            {
                while (evaluation.Position < toPosition)
                {
                    int from = evaluation.Position, to = Math.Min(toPosition, from + SegmentRows);
                    Rows(evaluation.Tokens, evaluation.Length, from, to, cos, sin, evaluation.Layer0, kvPerLayer: true, evaluation.Results, cancellationToken);
                    evaluation.Results.AsSpan(from, to - from).CopyTo(nll[from..]);
                    evaluation.Position = to;
                }
            }
            GC.KeepAlive(this);
        }
    }

    /// <summary>Ends a prefix evaluation: the forward pass is free again; its layer-0 rows stay in the cache.</summary>
    internal void End(FastPrefixEvaluation evaluation)
    {
        lock (_gate)
        {
            if (!ReferenceEquals(_open, evaluation)) return;
            _open = null;
            DropIfEmpty(evaluation.Layer0);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>
    /// Under the lock: waits while another thread's prefix evaluation is open (calls serialize per sample, as whole
    /// passes serialize per call); the thread that holds the open evaluation itself is refused, which would wait forever.
    /// "Thread" is the managed thread: the engine's callers evaluate synchronously, and code that awaits while it holds
    /// an evaluation open must not start other calls on pool threads, one of which may be the opener's own.
    /// </summary>
    private void WaitForPrefixClosed()
    {
        while (_open is not null)
        {
            if (_openThread == Environment.CurrentManagedThreadId)
                throw new InvalidOperationException("a prefix evaluation is open on this forward pass; dispose it first");
            Monitor.Wait(_gate);
            ObjectDisposedException.ThrowIf(_disposed, this);
        }
    }

    /// <summary>The layer-0 cache entry of these tokens, found or newly reserved (null when the cache is off or too small).</summary>
    private FastLayer0Cache.Entry? Layer0Entry(ReadOnlySpan<int> tokens) =>
        _cache.Find(tokens) ?? _cache.Reserve(tokens, _ws.QkvWidth);

    /// <summary>An entry that never got a row would only hold budget.</summary>
    private void DropIfEmpty(FastLayer0Cache.Entry? entry)
    {
        if (entry is { FilledRows: 0 }) _cache.Remove(entry);
    }

    /// <summary>
    /// Rows [from, to) of a sequence of <paramref name="length"/> tokens through every layer, then their NLLs (rows
    /// below L − 1) into <paramref name="results"/>[from..]. The row buffers X and Q hold rows [from, to); key/value
    /// slots hold positions [0, length), so attention for these rows reads every earlier key: a whole pass is (0, L)
    /// with one slot reused by every layer, a prefix segment (Position, P) with one slot per layer
    /// (<paramref name="kvPerLayer"/>) kept from the segments before. Each row gets the same bits either way: every
    /// kernel computes a row's values independently of which rows share its call (docs/DESIGN.md, "Prefix evaluation").
    /// </summary>
    private void Rows(int[] tokens, int length, int from, int to, float* cos, float* sin, FastLayer0Cache.Entry? layer0, bool kvPerLayer,
        double[] results, CancellationToken cancellationToken)
    {
        int qDim = _c.QueryDim, d = _c.HeadDim;
        Embed(tokens, from, to);
        // Row jobs and attention index queries by position; Q holds rows from `from` on, so they get the address
        // row 0 would have (only rows ≥ from are ever read or written through it).
        float* q = _ws.Q.Pointer - (long)from * qDim;
        for (int li = 0; li < _layers.Length; li++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var kv = _ws.Kv(kvPerLayer ? li : 0);
            Projections(_layers[li], from, to, length, q, kv, cos, sin, li == 0 ? layer0 : null);
            _attention.Run(q, qDim, kv.KeysT.Pointer, _ws.KeyStride, kv.Values.Pointer, d, (nint)length * d,
                q, qDim, to, _c.NumHeads, _c.NumKvHeads, d, 1f / MathF.Sqrt(d), firstRow: from, window: _c.AttentionWindow(li));
            OutputAndMlp(_layers[li], to - from);
            Work.Layer(from, to);
        }
        cancellationToken.ThrowIfCancellationRequested();
        Nll(tokens, from, Math.Min(to, length - 1), results);
    }

    /// <summary>
    /// Rows per chunk for a run of rows: at most <see cref="ChunkRows"/>, the chunks about equal and whole 6-row
    /// micro-tiles (e.g. 1100 tokens as 372 + 372 + 356 rather than 516 + 516 + 68, whose small last chunk would pack
    /// every weight panel for a few rows). Results do not depend on it: a GEMM output element is one chain over k
    /// whichever rows share the call.
    /// </summary>
    private int ChunkFor(int rows)
    {
        int chunks = (rows + ChunkRows - 1) / ChunkRows;
        int perChunk = (rows + chunks - 1) / chunks;
        return Math.Min(ChunkRows, (perChunk + MicroTiles.RowBlock - 1) / MicroTiles.RowBlock * MicroTiles.RowBlock);
    }

    /// <summary>X[t − from] = embed[tokens[t]] as float32 for t in [from, to).</summary>
    private void Embed(int[] tokens, int from, int to)
    {
        int hidden = _c.HiddenSize;
        for (int t = from; t < to; t++)
            WeightRows.Convert(Level, _weights.Embed, (long)tokens[t] * hidden, hidden, _ws.X.Pointer + (long)(t - from) * hidden);
    }

    /// <summary>
    /// q, k, v of rows [from, to) (RMSNorm, fused q|k|v GEMM, bias), rotated; queries to <paramref name="q"/> (indexed by
    /// position), keys transposed and values to the slot at their positions. Layer 0 reads its unrotated rows from the
    /// cache entry where filled, and computes and adds the others (row by row: a chunk half in the cache computes half).
    /// </summary>
    private void Projections(FastLayerParams p, int from, int to, int length, float* q, FastWorkspace.KvSlot kv, float* cos, float* sin,
        FastLayer0Cache.Entry? layer0)
    {
        int hidden = _c.HiddenSize, width = _ws.QkvWidth;
        int chunk = ChunkFor(to - from);
        for (int r0 = from; r0 < to; r0 += chunk)
        {
            int rows = Math.Min(chunk, to - r0);
            float* qkv = layer0 is not null ? layer0.Rows.Pointer + (long)r0 * width : _ws.Qkv.Pointer; // [rows, width]
            int cached = layer0 is null ? r0 : Math.Clamp(layer0.FilledRows, r0, r0 + rows); // rows [r0, cached) are in the cache
            if (cached < r0 + rows)
            {
                int n = r0 + rows - cached;
                float* dst = qkv + (long)(cached - r0) * width; // [n, width]
                RmsNorm.Apply(Level, _ws.X.Pointer + (long)(cached - from) * hidden, hidden, n, hidden, p.InputNorm, (float)_c.RmsNormEps, _ws.Norm.Pointer, hidden);
                _gemm.Multiply(_ws.Norm.Pointer, n, hidden, hidden, p.Qkv, dst, width);
                if (p.QkvBias is not null) AddRowBias(dst, width, n, p.QkvBias);
                Work.QkvGemm(n);
                layer0?.MarkFilled(cached, r0 + rows);
            }
            _projectionRows.Prepare(Level, qkv, width, r0, rows, q, kv.KeysT.Pointer, _ws.KeyStride, kv.Values.Pointer, length,
                cos, sin, _c.NumHeads, _c.NumKvHeads, _c.HeadDim, _c.RotaryDim);
            _pool.Run(_projectionRows, _projectionRows.Tasks);
        }
    }

    /// <summary>Per chunk of the <paramref name="rows"/> rows in flight: x += o(attn) (+bias); x += down(silu(gate(n)) ⊙ up(n)) with n = RMSNorm(x).</summary>
    private void OutputAndMlp(FastLayerParams p, int rows)
    {
        int hidden = _c.HiddenSize, qDim = _c.QueryDim, inter = _c.IntermediateSize;
        float* delta = _ws.Delta.Pointer, norm = _ws.Norm.Pointer, mlp = _ws.Mlp.Pointer;
        int chunk = ChunkFor(rows);
        for (int r0 = 0; r0 < rows; r0 += chunk)
        {
            int n = Math.Min(chunk, rows - r0);
            float* x = _ws.X.Pointer + (long)r0 * hidden; // [n, hidden]
            _gemm.Multiply(_ws.Q.Pointer + (long)r0 * qDim, n, qDim, qDim, p.O, delta, hidden);
            if (p.OBias is not null) AddRowBias(delta, hidden, n, p.OBias);
            AddRows(x, delta, (long)n * hidden);

            RmsNorm.Apply(Level, x, hidden, n, hidden, p.PostNorm, (float)_c.RmsNormEps, norm, hidden);
            _gemm.Multiply(norm, n, hidden, hidden, p.GateUp, mlp, 2 * inter);
            _swiGluRows.Prepare(Level, mlp, n, inter);
            _pool.Run(_swiGluRows, _swiGluRows.Tasks);
            _gemm.Multiply(mlp, n, inter, 2 * inter, p.Down, delta, hidden);
            AddRows(x, delta, (long)n * hidden);
        }
    }

    /// <summary>results[t] for t in [from, end) from logits of blocks of rows after the final RMSNorm (X holds rows from `from` on).</summary>
    private void Nll(int[] tokens, int from, int end, double[] results)
    {
        int hidden = _c.HiddenSize, vocab = _c.VocabSize, block = _ws.LogitRows;
        float* norm = _ws.Norm.Pointer, logits = _ws.Logits.Pointer;
        for (int r0 = from; r0 < end; r0 += block)
        {
            int rows = Math.Min(block, end - r0);
            RmsNorm.Apply(Level, _ws.X.Pointer + (long)(r0 - from) * hidden, hidden, rows, hidden, _finalNorm, (float)_c.RmsNormEps, norm, hidden);
            _gemm.Multiply(norm, rows, hidden, hidden, _lmHead, logits, vocab);
            _nllRows.Prepare(Level, logits, rows, vocab, r0, tokens, results);
            _pool.Run(_nllRows, _nllRows.Tasks);
        }
        Work.Logits(Math.Max(0, end - from));
    }

    private static void AddRowBias(float* rows, int width, int count, float[] bias)
    {
        for (int i = 0; i < count; i++)
        {
            var r = new Span<float>(rows + (long)i * width, width);
            TensorPrimitives.Add(r, bias, r);
        }
    }

    private static void AddRows(float* x, float* delta, long count)
    {
        const int Step = 1 << 20;
        for (long o = 0; o < count; o += Step)
        {
            int n = (int)Math.Min(Step, count - o);
            var xs = new Span<float>(x + o, n);
            TensorPrimitives.Add(xs, new ReadOnlySpan<float>(delta + o, n), xs);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _open = null;
            Monitor.PulseAll(_gate);
            _cache.Clear();
            _ws.ReleaseSequence();
        }
        _pool.Dispose();
        GC.SuppressFinalize(this);
    }
}
