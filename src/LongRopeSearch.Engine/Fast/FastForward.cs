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
/// Layer-0 q/k/v before rotation depend only on the tokens; they are cached per token sequence
/// (<see cref="FastLayer0Cache"/>) so scoring the same sample under another factor set skips that work.
/// Calls are serialized (one workspace per forward pass); dispose to stop the worker threads.
/// </summary>
public sealed unsafe class FastForward : IForwardPass, IDisposable
{
    /// <summary>Default byte budget of the layer-0 projection cache (<see cref="ForwardPassOptions.Layer0CacheBytes"/>).</summary>
    public const long DefaultLayer0CacheBytes = 256L << 20;

    /// <summary>Token rows per projection step: enough rows to amortize packing each weight panel.</summary>
    public const int DefaultChunkRows = 516; // 512 rounded up to the 6-row micro-tile

    private const long LogitBudgetFloats = 8L << 20; // [logit rows, vocab] ≤ 32 MiB

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
            int length = tokens.Length;
            _ws.EnsureLength(length);
            Embed(tokens);
            var cached = _cache.Find(tokens);
            var filling = cached is null ? _cache.Reserve(tokens, _ws.QkvWidth) : null;
            try
            {
                fixed (float* cos = rope.Cos, sin = rope.Sin)
                {
                    for (int li = 0; li < _layers.Length; li++)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        var layer0Entry = li == 0 ? cached ?? filling : null;
                        float* layer0 = layer0Entry is null ? null : layer0Entry.Rows.Pointer;
                        Projections(_layers[li], length, cos, sin, layer0, layer0Ready: li == 0 && cached is not null);
                        _attention.Run(_ws.Q.Pointer, _c.QueryDim, _ws.KeysT.Pointer, _ws.KeyStride, _ws.Values.Pointer, _c.HeadDim, (nint)length * _c.HeadDim,
                            _ws.Q.Pointer, _c.QueryDim, length, _c.NumHeads, _c.NumKvHeads, _c.HeadDim, 1f / MathF.Sqrt(_c.HeadDim), _c.AttentionWindow(li));
                        OutputAndMlp(_layers[li], length);
                    }
                }
                cancellationToken.ThrowIfCancellationRequested();
                Nll(tokens, nll);
                if (filling is not null) filling.Complete = true;
            }
            catch
            {
                if (filling is not null) _cache.Remove(filling);
                throw;
            }
            // `new FastForward(...).TokenNll(...)` must not let the finalizer stop the pool mid-call.
            GC.KeepAlive(this);
        }
    }

    /// <summary>
    /// Rows per chunk for a sequence: at most <see cref="ChunkRows"/>, the chunks about equal and whole 6-row
    /// micro-tiles (e.g. 1100 tokens as 372 + 372 + 356 rather than 516 + 516 + 68, whose small last chunk would pack
    /// every weight panel for a few rows). Results do not depend on it.
    /// </summary>
    private int ChunkFor(int length)
    {
        int chunks = (length + ChunkRows - 1) / ChunkRows;
        int rows = (length + chunks - 1) / chunks;
        return Math.Min(ChunkRows, (rows + MicroTiles.RowBlock - 1) / MicroTiles.RowBlock * MicroTiles.RowBlock);
    }

    /// <summary>x[t] = embed[tokens[t]] as float32.</summary>
    private void Embed(ReadOnlySpan<int> tokens)
    {
        int hidden = _c.HiddenSize;
        for (int t = 0; t < tokens.Length; t++)
            WeightRows.Convert(Level, _weights.Embed, (long)tokens[t] * hidden, hidden, _ws.X.Pointer + (long)t * hidden);
    }

    /// <summary>
    /// q, k, v of every token (RMSNorm, fused q|k|v GEMM, bias), rotated; queries to Q [L, q_dim], keys transposed to
    /// KeysT, values to Values. Layer 0 reads its unrotated rows from the cache (<paramref name="layer0Ready"/>) or
    /// writes them there while computing.
    /// </summary>
    private void Projections(FastLayerParams p, int length, float* cos, float* sin, float* layer0, bool layer0Ready)
    {
        int hidden = _c.HiddenSize, width = _ws.QkvWidth;
        int chunk = ChunkFor(length);
        for (int r0 = 0; r0 < length; r0 += chunk)
        {
            int rows = Math.Min(chunk, length - r0);
            float* qkv = layer0 is not null ? layer0 + (long)r0 * width : _ws.Qkv.Pointer; // [rows, width]
            if (!layer0Ready)
            {
                RmsNorm.Apply(Level, _ws.X.Pointer + (long)r0 * hidden, hidden, rows, hidden, p.InputNorm, (float)_c.RmsNormEps, _ws.Norm.Pointer, hidden);
                _gemm.Multiply(_ws.Norm.Pointer, rows, hidden, hidden, p.Qkv, qkv, width);
                if (p.QkvBias is not null) AddRowBias(qkv, width, rows, p.QkvBias);
            }
            _projectionRows.Prepare(Level, qkv, width, r0, rows, _ws.Q.Pointer, _ws.KeysT.Pointer, _ws.KeyStride, _ws.Values.Pointer, length,
                cos, sin, _c.NumHeads, _c.NumKvHeads, _c.HeadDim, _c.RotaryDim);
            _pool.Run(_projectionRows, _projectionRows.Tasks);
        }
    }

    /// <summary>Per chunk: x += o(attn) (+bias); x += down(silu(gate(n)) ⊙ up(n)) with n = RMSNorm(x).</summary>
    private void OutputAndMlp(FastLayerParams p, int length)
    {
        int hidden = _c.HiddenSize, qDim = _c.QueryDim, inter = _c.IntermediateSize;
        float* delta = _ws.Delta.Pointer, norm = _ws.Norm.Pointer, mlp = _ws.Mlp.Pointer;
        int chunk = ChunkFor(length);
        for (int r0 = 0; r0 < length; r0 += chunk)
        {
            int rows = Math.Min(chunk, length - r0);
            float* x = _ws.X.Pointer + (long)r0 * hidden; // [rows, hidden]
            _gemm.Multiply(_ws.Q.Pointer + (long)r0 * qDim, rows, qDim, qDim, p.O, delta, hidden);
            if (p.OBias is not null) AddRowBias(delta, hidden, rows, p.OBias);
            AddRows(x, delta, (long)rows * hidden);

            RmsNorm.Apply(Level, x, hidden, rows, hidden, p.PostNorm, (float)_c.RmsNormEps, norm, hidden);
            _gemm.Multiply(norm, rows, hidden, hidden, p.GateUp, mlp, 2 * inter);
            _swiGluRows.Prepare(Level, mlp, rows, inter);
            _pool.Run(_swiGluRows, _swiGluRows.Tasks);
            _gemm.Multiply(mlp, rows, inter, 2 * inter, p.Down, delta, hidden);
            AddRows(x, delta, (long)rows * hidden);
        }
    }

    /// <summary>nll[t] from logits of blocks of rows after the final RMSNorm.</summary>
    private void Nll(ReadOnlySpan<int> tokens, Span<double> nll)
    {
        int hidden = _c.HiddenSize, vocab = _c.VocabSize, predictions = tokens.Length - 1, block = _ws.LogitRows;
        float* norm = _ws.Norm.Pointer, logits = _ws.Logits.Pointer;
        var targets = _ws.Tokens(tokens);
        var results = _ws.Nll(predictions);
        for (int r0 = 0; r0 < predictions; r0 += block)
        {
            int rows = Math.Min(block, predictions - r0);
            RmsNorm.Apply(Level, _ws.X.Pointer + (long)r0 * hidden, hidden, rows, hidden, _finalNorm, (float)_c.RmsNormEps, norm, hidden);
            _gemm.Multiply(norm, rows, hidden, hidden, _lmHead, logits, vocab);
            _nllRows.Prepare(Level, logits, rows, vocab, r0, targets, results);
            _pool.Run(_nllRows, _nllRows.Tasks);
        }
        results.AsSpan(0, predictions).CopyTo(nll);
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
            _cache.Clear();
            _ws.ReleaseSequence();
        }
        _pool.Dispose();
        GC.SuppressFinalize(this);
    }
}
