using System.Runtime.CompilerServices;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// Causal softmax attention over a whole sequence, optionally within a sliding window (query i attends to keys
/// max(0, i − W + 1)..i, transformers' convention), flash-style: for a block of query rows, key/value tiles are
/// streamed once, scores S = Q·Kᵀ for the tile come from the GEMM micro-kernels, an online softmax keeps a running
/// max and sum per row (rescaling the partial output when the max grows), and O += P·V uses the micro-kernels again.
/// Memory is per-worker scratch of a few tiles; there is never a [T, T] buffer.
/// <para>
/// A task is (key/value head, query block): the GroupSize query heads that share a kv head are stacked as rows of
/// one task, so they share every K/V tile. Causality and the window are loop bounds: tiles run from the one holding
/// the block's first row's first key (a fixed tile boundary, so the split into tiles never depends on anything but
/// the positions) to the block's last row, and within a tile each row keeps only its own keys [i − W + 1, i] (a
/// span of the tile; the rest of its scores are zero weights). A window makes the cost O(L·W) and changes nothing
/// for rows whose window reaches back to key 0: without a window the code path is the same as full causal attention. Tasks are handed out from the most expensive (last) query
/// blocks down to the cheapest, so the long late rows start first and the short early ones fill the gaps.
/// Each output row is computed by one task with fixed tile boundaries: the bits do not depend on thread count. Nor on
/// the level: scores and P·V are per-element FMA chains, the softmax sums follow the <see cref="LaneOrder"/>.
/// </para>
/// Not thread-safe: one Run at a time per instance.
/// </summary>
internal sealed unsafe class CausalAttention
{
    /// <summary>Keys per tile.</summary>
    public const int KeyTile = 128;

    /// <summary>Query rows per task (all heads of a group together): about one key tile, a multiple of the 6-row micro-tile.</summary>
    public const int RowsPerTask = 60;

    private readonly WorkerPool _pool;
    private readonly AttentionJob _job;

    public CausalAttention(WorkerPool pool, SimdLevel level)
    {
        _pool = pool;
        Level = level;
        _job = new AttentionJob(pool.Threads);
    }

    public SimdLevel Level { get; }

    /// <summary>
    /// The smallest row stride of the transposed key buffer: score tiles read whole 16-float vectors, so up to
    /// length rounded up to 16.
    /// </summary>
    public static int RoundUpKeys(int length) => (length + 15) / 16 * 16;

    /// <summary>
    /// A good row stride for the transposed keys: whole vectors plus one cache line, so the head_dim rows a score tile
    /// reads do not all fall into the same cache sets (a power-of-two stride would).
    /// </summary>
    public static int KeyStride(int length) => RoundUpKeys(length) + 16;

    /// <param name="q">Queries [length, heads·headDim] (row stride qStride), rotated, not yet scaled.</param>
    /// <param name="kT">Keys transposed [kvHeads, headDim, kStride]: kT[(g·headDim + c)·kStride + j]; kStride ≥ RoundUpKeys(length).</param>
    /// <param name="v">Values of kv head g at position j: v[g·vHeadStride + j·vStride + c]; e.g. [length, kvHeads·headDim]
    /// (vStride = kvHeads·headDim, vHeadStride = headDim) or per head [kvHeads, length, headDim] (vStride = headDim,
    /// vHeadStride = length·headDim; a head's value tile is then contiguous).</param>
    /// <param name="o">Output [length, heads·headDim] (row stride oStride); may be the same memory as q.</param>
    /// <param name="firstRow">Only query rows [firstRow, length) are computed (their keys and values [0, length) must be
    /// in place); q and o rows before it are never touched. A prefix evaluation continues a sequence this way: row i's
    /// result is the same bits whichever rows share its task (docs/DESIGN.md, "Prefix evaluation").</param>
    /// <param name="window">Keys each query attends to, its own included (sliding window), or null for all earlier keys.</param>
    public void Run(float* q, nint qStride, float* kT, nint kStride, float* v, nint vStride, nint vHeadStride, float* o, nint oStride,
        int length, int heads, int kvHeads, int headDim, float scale, int firstRow = 0, int? window = null)
    {
        if (length <= 0) return;
        if (heads % kvHeads != 0) throw new ArgumentException($"{heads} heads are not a multiple of {kvHeads} kv heads", nameof(kvHeads));
        if (window is < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "a window of at least one key");
        if (kStride < RoundUpKeys(length)) throw new ArgumentOutOfRangeException(nameof(kStride), kStride, $"at least {RoundUpKeys(length)}");
        if ((uint)firstRow >= (uint)length) throw new ArgumentOutOfRangeException(nameof(firstRow), firstRow, $"in [0, {length})");
        int group = heads / kvHeads;
        int blockRows = Math.Max(1, RowsPerTask / group);
        int blocks = (length - firstRow + blockRows - 1) / blockRows;
        // The micro-kernels need whole 16-float columns for the value head slice; other head sizes run scalar.
        var level = headDim % MicroTiles.ColumnMultiple == 0 ? Level : SimdLevel.Scalar;
        _job.Prepare(level, q, qStride, kT, kStride, v, vStride, vHeadStride, o, oStride, length, kvHeads, group, headDim, scale, blockRows, blocks,
            firstRow, Math.Min(window ?? length, length));
        _pool.Run(_job, blocks * kvHeads);
    }

    private sealed class AttentionJob : ParallelJob
    {
        private readonly AlignedFloats[] _q, _s, _o, _m, _l; // per worker: [rows, d], [rows, KeyTile], [rows, d], [rows], [rows]
        private SimdLevel _level;
        private float* _qp, _kT, _v, _op;
        private nint _qStride, _kStride, _vStride, _vHeadStride, _oStride;
        private int _length, _kvHeads, _group, _d, _blockRows, _blocks, _firstRow, _window;
        private float _scale;

        public AttentionJob(int threads)
        {
            _q = new AlignedFloats[threads]; _s = new AlignedFloats[threads]; _o = new AlignedFloats[threads];
            _m = new AlignedFloats[threads]; _l = new AlignedFloats[threads];
            for (int i = 0; i < threads; i++) { _q[i] = new(); _s[i] = new(); _o[i] = new(); _m[i] = new(); _l[i] = new(); }
        }

        public void Prepare(SimdLevel level, float* q, nint qStride, float* kT, nint kStride, float* v, nint vStride, nint vHeadStride, float* o, nint oStride,
            int length, int kvHeads, int group, int d, float scale, int blockRows, int blocks, int firstRow, int window)
        {
            _firstRow = firstRow;
            _level = level;
            _qp = q; _kT = kT; _v = v; _op = o;
            (_qStride, _kStride, _vStride, _vHeadStride, _oStride) = (qStride, kStride, vStride, vHeadStride, oStride);
            (_length, _kvHeads, _group, _d, _scale, _blockRows, _blocks, _window) = (length, kvHeads, group, d, scale, blockRows, blocks, window);
            long rows = (long)group * blockRows;
            for (int i = 0; i < _q.Length; i++)
            {
                _q[i].EnsureCapacity(rows * d);
                _s[i].EnsureCapacity(rows * KeyTile);
                _o[i].EnsureCapacity(rows * d);
                _m[i].EnsureCapacity(rows);
                _l[i].EnsureCapacity(rows);
            }
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int task, int worker)
        {
            int block = _blocks - 1 - task / _kvHeads; // most expensive blocks first
            int g = task % _kvHeads;
            int i0 = _firstRow + block * _blockRows, bq = Math.Min(_blockRows, _length - i0), i1 = i0 + bq;
            int d = _d, rows = _group * bq;
            float* qs = _q[worker].Pointer, s = _s[worker].Pointer, acc = _o[worker].Pointer, m = _m[worker].Pointer, l = _l[worker].Pointer;

            // Row r = hh·bq + (i − i0) holds query head g·group + hh at position i, pre-scaled by 1/√d.
            for (int hh = 0; hh < _group; hh++)
                for (int ii = 0; ii < bq; ii++)
                {
                    float* src = _qp + (i0 + ii) * _qStride + (g * _group + hh) * d;
                    float* dst = qs + (hh * bq + ii) * d;
                    for (int c = 0; c < d; c++) dst[c] = src[c] * _scale;
                }
            new Span<float>(acc, rows * d).Clear();
            new Span<float>(m, rows).Fill(float.NegativeInfinity);
            new Span<float>(l, rows).Clear();

            float* kHead = _kT + g * d * _kStride;
            float* vHead = _v + g * _vHeadStride;
            // Keys j with i − W < j ≤ i; the first tile holds the first key of the block's first row (0 without a window).
            int jFirst = Math.Max(0, i0 - _window + 1) / KeyTile * KeyTile;
            for (int j0 = jFirst; j0 < i1; j0 += KeyTile)
            {
                int nk = Math.Min(KeyTile, i1 - j0);
                int cols = _level == SimdLevel.Scalar ? nk : (nk + MicroTiles.ColumnMultiple - 1) / MicroTiles.ColumnMultiple * MicroTiles.ColumnMultiple;
                // S[rows, cols] = Qs · Kᵀ[:, j0 : j0 + cols] (columns past nk read padding and are ignored)
                MicroTiles.Run(_level, qs, d, kHead + j0, _kStride, s, KeyTile, rows, cols, d, accumulate: false);
                for (int r = 0; r < rows; r++)
                {
                    float* sr = s + r * KeyTile;
                    int i = i0 + r % bq;
                    int end = Math.Clamp(i - j0 + 1, 0, nk);                 // causal bound: keys j ≤ i
                    int start = Math.Clamp(i - _window + 1 - j0, 0, end);     // window bound: keys j > i − W
                    int valid = end - start;
                    if (valid > 0)
                    {
                        float mNew = Math.Max(m[r], ExpSum.Max(_level, sr + start, valid));
                        float sum = ExpSum.ExpShiftInPlace(_level, sr + start, valid, mNew);
                        if (mNew != m[r])
                        {
                            // The same exp as the scores' (never the C library's). On the first tile m = −∞ is
                            // clamped to e^−87.3 ≈ 1e−38, times l = 0 and acc = 0.
                            float alpha = FastExp.Exp(m[r] - mNew);
                            l[r] *= alpha;
                            ExpSum.Scale(_level, acc + r * d, d, alpha);
                            m[r] = mNew;
                        }
                        l[r] += sum;
                    }
                    new Span<float>(sr, start).Clear();              // P = 0 before the row's window
                    new Span<float>(sr + end, nk - end).Clear();     // and beyond its causal bound
                }
                // Acc[rows, d] += P[rows, nk] · V[j0 : j0 + nk, head g]
                MicroTiles.Run(_level, s, KeyTile, vHead + j0 * _vStride, _vStride, acc, d, rows, d, nk, accumulate: true);
            }

            for (int hh = 0; hh < _group; hh++)
                for (int ii = 0; ii < bq; ii++)
                {
                    int r = hh * bq + ii;
                    float inv = 1f / l[r];
                    float* src = acc + r * d;
                    float* dst = _op + (i0 + ii) * _oStride + (g * _group + hh) * d;
                    for (int c = 0; c < d; c++) dst[c] = src[c] * inv;
                }
        }
    }
}
