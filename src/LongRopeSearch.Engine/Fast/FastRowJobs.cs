using System.Runtime.CompilerServices;
using LongRopeSearch.Engine.Fast.Kernels;

namespace LongRopeSearch.Engine;

/// <summary>
/// A row-wise step of the fast forward pass split into blocks of <see cref="BlockRows"/> rows, one block per task, so the
/// element-wise work between GEMMs uses every core too. Rows are independent: the bits do not depend on the split.
/// </summary>
internal abstract class RowBlockJob : ParallelJob
{
    public const int BlockRows = 32;

    protected int Rows { get; private set; }

    public int Tasks => (Rows + BlockRows - 1) / BlockRows;

    protected void SetRows(int rows) => Rows = rows;

    public sealed override void Execute(int task, int worker)
    {
        int r0 = task * BlockRows;
        ProcessRows(r0, Math.Min(Rows, r0 + BlockRows), worker);
    }

    /// <summary>Rows [r0, r1) of the current step.</summary>
    protected abstract void ProcessRows(int r0, int r1, int worker);
}

/// <summary>
/// From the projections q|k|v of a chunk [rows, width]: rotated queries to Q [L, q_dim], rotated keys transposed to
/// KeysT [kv_dim, key_stride] (a block of rows at a time, so each key dimension is written as one contiguous run),
/// values to Values per head [kv_heads, L, d]. The rope table rows have rotaryDim / 2 columns.
/// </summary>
internal sealed unsafe class ProjectionRowsJob(int threads, int kvDim) : RowBlockJob
{
    private readonly AlignedFloats[] _keys = Enumerable.Range(0, threads).Select(_ => new AlignedFloats((long)BlockRows * kvDim)).ToArray(); // per worker: [BlockRows, kv_dim]
    private float* _qkv, _q, _kT, _v, _cos, _sin;
    private SimdLevel _level;
    private int _width, _r0, _length, _heads, _kvHeads, _d, _rotaryDim, _qDim, _kvDim;
    private long _keyStride;

    public void Prepare(SimdLevel level, float* qkv, int width, int r0, int rows, float* q, float* kT, long keyStride, float* values, int length,
        float* cos, float* sin, int heads, int kvHeads, int d, int rotaryDim)
    {
        _level = level;
        _qkv = qkv;
        _q = q;
        _kT = kT;
        _v = values;
        _cos = cos;
        _sin = sin;
        (_width, _r0, _length, _heads, _kvHeads, _d, _rotaryDim, _keyStride) = (width, r0, length, heads, kvHeads, d, rotaryDim, keyStride);
        (_qDim, _kvDim) = (heads * d, kvHeads * d);
        SetRows(rows);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    protected override void ProcessRows(int r0, int r1, int worker)
    {
        int d = _d, pairs = _rotaryDim / 2, qDim = _qDim, kvDim = _kvDim, n = r1 - r0;
        float* keys = _keys[worker].Pointer; // [n, kv_dim] rotated keys of this block
        for (int i = r0; i < r1; i++)
        {
            long t = _r0 + i;
            float* src = _qkv + (long)i * _width;
            float* cos = _cos + t * pairs, sin = _sin + t * pairs;
            float* q = _q + t * qDim;
            new ReadOnlySpan<float>(src, qDim).CopyTo(new Span<float>(q, qDim));
            Rotary.ApplyRow(_level, q, _heads, d, _rotaryDim, cos, sin);
            float* k = keys + (long)(i - r0) * kvDim;
            new ReadOnlySpan<float>(src + qDim, kvDim).CopyTo(new Span<float>(k, kvDim));
            Rotary.ApplyRow(_level, k, _kvHeads, d, _rotaryDim, cos, sin);
            for (int g = 0; g < _kvHeads; g++)
                new ReadOnlySpan<float>(src + qDim + kvDim + g * d, d).CopyTo(new Span<float>(_v + ((long)g * _length + t) * d, d));
        }
        long t0 = _r0 + r0;
        for (int c = 0; c < kvDim; c++)
        {
            float* dst = _kT + c * _keyStride + t0;
            for (int i = 0; i < n; i++) dst[i] = keys[(long)i * kvDim + c];
        }
    }
}

/// <summary>mlp[r, 0:I] ← silu(mlp[r, 0:I]) ⊙ mlp[r, I:2I] for the rows of a chunk.</summary>
internal sealed unsafe class SwiGluRowsJob : RowBlockJob
{
    private float* _mlp;
    private int _inter;
    private SimdLevel _level;

    public void Prepare(SimdLevel level, float* mlp, int rows, int inter)
    {
        (_level, _inter) = (level, inter);
        _mlp = mlp;
        SetRows(rows);
    }

    protected override void ProcessRows(int r0, int r1, int worker)
    {
        for (int r = r0; r < r1; r++)
        {
            float* row = _mlp + (long)r * 2 * _inter;
            SwiGlu.ApplyInPlace(_level, row, row + _inter, _inter);
        }
    }
}

/// <summary>nll[first + r] from logits[r] for the rows of one logits block.</summary>
internal sealed unsafe class NllRowsJob : RowBlockJob
{
    private float* _logits;
    private int _vocab, _first;
    private SimdLevel _level;
    private int[] _targets = [];
    private double[] _nll = [];

    /// <param name="targets">Next-token ids: row r predicts targets[first + r + 1].</param>
    public void Prepare(SimdLevel level, float* logits, int rows, int vocab, int first, int[] targets, double[] nll)
    {
        (_level, _vocab, _first, _targets, _nll) = (level, vocab, first, targets, nll);
        _logits = logits;
        SetRows(rows);
    }

    protected override void ProcessRows(int r0, int r1, int worker)
    {
        for (int r = r0; r < r1; r++)
            _nll[_first + r] = TokenNll.OfRow(_level, _logits + (long)r * _vocab, _vocab, _targets[_first + r + 1]);
    }
}
