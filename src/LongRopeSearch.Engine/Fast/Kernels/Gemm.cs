using System.Runtime.CompilerServices;
using LongRopeSearch.Model;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// y = x·Wᵀ for a chunk of rows: C[M, ΣN] = A[M, K] · [W₀; W₁; …]ᵀ where each Wᵢ is a stored weight [Nᵢ, K]
/// (F32, F16 or BF16) and its outputs occupy the next Nᵢ columns of C (so q/k/v or gate/up run as one step).
/// <para>
/// Work split: a task is one 64-column weight panel × one slice of rows. The task converts and packs its panel
/// (K in blocks of <see cref="KBlock"/>) once and sweeps all its rows with the register-blocked micro-kernel.
/// Tasks are taken dynamically from an atomic counter, but each output element belongs to exactly one task and is
/// summed in a fixed order (k ascending, one fused multiply-add chain), so the bits depend neither on the thread
/// count nor on timing, nor on M or on which rows share a call.
/// </para>
/// Not thread-safe: one Multiply at a time per instance.
/// </summary>
internal sealed unsafe class Gemm
{
    /// <summary>K block: a [256 × 64] float32 panel is 64 KiB and stays in L2 while every row of the chunk uses it.</summary>
    public const int KBlock = 256;

    private const int MinRowsPerTask = 48;
    private readonly WorkerPool _pool;
    private readonly GemmJob _job;

    public Gemm(WorkerPool pool, SimdLevel level)
    {
        _pool = pool;
        Level = level;
        _job = new GemmJob(level, pool.Threads);
    }

    public SimdLevel Level { get; }

    /// <param name="a">A [m, k], row stride lda.</param>
    /// <param name="weights">Weights [Nᵢ, k]; every Cols must equal k.</param>
    /// <param name="c">C [m, ΣNᵢ], row stride ldc ≥ ΣNᵢ; overwritten.</param>
    public void Multiply(float* a, int m, int k, nint lda, ReadOnlySpan<Tensor> weights, float* c, nint ldc)
    {
        if (m <= 0) return;
        int totalN = 0, panels = 0;
        foreach (var w in weights)
        {
            if (w.Cols != k) throw new ArgumentException($"{w.Name} has {w.Cols} input columns, A has {k}", nameof(weights));
            totalN += w.Rows;
            panels += (w.Rows + PanelPacker.Width - 1) / PanelPacker.Width;
        }
        if (ldc < totalN) throw new ArgumentOutOfRangeException(nameof(ldc), ldc, $"C needs {totalN} columns");
        if (lda < k) throw new ArgumentOutOfRangeException(nameof(lda), lda, $"A needs {k} columns");

        // Split rows only when there are too few panels to keep every worker busy (each slice repacks its panel).
        int wanted = 3 * _pool.Threads;
        int slices = panels >= wanted ? 1 : Math.Max(1, Math.Min((m + MinRowsPerTask - 1) / MinRowsPerTask, (wanted + panels - 1) / panels));
        int sliceRows = (m + slices - 1) / slices;
        sliceRows = (sliceRows + MicroTiles.RowBlock - 1) / MicroTiles.RowBlock * MicroTiles.RowBlock;
        slices = (m + sliceRows - 1) / sliceRows;

        _job.Prepare(a, m, lda, weights, panels, c, ldc, sliceRows, slices);
        _pool.Run(_job, panels * slices);
    }

    private sealed class GemmJob : ParallelJob
    {
        private readonly SimdLevel _level;
        private readonly AlignedFloats[] _panel;    // per worker: [KBlock, 64] packed panel
        private readonly AlignedFloats[] _rowsTemp; // per worker: [64, KBlock] converted 16-bit rows
        private readonly AlignedFloats[] _tail;     // per worker: [sliceRows, 64] output of a narrow last panel
        private Tensor[] _weights = new Tensor[4];
        private int[] _panelSegment = [], _panelN0 = [], _panelWidth = [], _panelColumn = [];
        private float* _a, _c;
        private int _m, _sliceRows, _slices;
        private nint _lda, _ldc;

        public GemmJob(SimdLevel level, int threads)
        {
            _level = level;
            _panel = new AlignedFloats[threads];
            _rowsTemp = new AlignedFloats[threads];
            _tail = new AlignedFloats[threads];
            for (int i = 0; i < threads; i++)
            {
                _panel[i] = new AlignedFloats((long)KBlock * PanelPacker.Width);
                _rowsTemp[i] = new AlignedFloats((long)KBlock * PanelPacker.Width);
                _tail[i] = new AlignedFloats();
            }
        }

        public void Prepare(float* a, int m, nint lda, ReadOnlySpan<Tensor> weights, int panels, float* c, nint ldc, int sliceRows, int slices)
        {
            _a = a;
            _c = c;
            (_m, _lda, _ldc, _sliceRows, _slices) = (m, lda, ldc, sliceRows, slices);
            if (_weights.Length < weights.Length) _weights = new Tensor[weights.Length];
            weights.CopyTo(_weights);
            if (_panelN0.Length < panels)
            {
                _panelSegment = new int[panels];
                _panelN0 = new int[panels];
                _panelWidth = new int[panels];
                _panelColumn = new int[panels];
            }
            int p = 0, column = 0;
            for (int s = 0; s < weights.Length; s++)
            {
                int n = weights[s].Rows;
                for (int n0 = 0; n0 < n; n0 += PanelPacker.Width, p++)
                {
                    _panelSegment[p] = s;
                    _panelN0[p] = n0;
                    _panelWidth[p] = Math.Min(PanelPacker.Width, n - n0);
                    _panelColumn[p] = column + n0;
                }
                column += n;
            }
            // Grown here, on the calling thread, so tasks never allocate.
            foreach (var t in _tail) t.EnsureCapacity((long)sliceRows * PanelPacker.Width);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Execute(int task, int worker)
        {
            int p = task / _slices, slice = task % _slices;
            var w = _weights[_panelSegment[p]];
            int n0 = _panelN0[p], width = _panelWidth[p], k = w.Cols;
            int r0 = slice * _sliceRows, rows = Math.Min(_m, r0 + _sliceRows) - r0;
            int cols = _level == SimdLevel.Scalar ? width : (width + MicroTiles.ColumnMultiple - 1) / MicroTiles.ColumnMultiple * MicroTiles.ColumnMultiple;
            bool direct = cols == width; // else the padded columns go to scratch and the real ones are copied out
            float* cTask = _c + r0 * _ldc + _panelColumn[p];
            float* target = direct ? cTask : _tail[worker].Pointer;
            nint ldt = direct ? _ldc : PanelPacker.Width;
            float* panel = _panel[worker].Pointer, rowsTemp = _rowsTemp[worker].Pointer;
            for (int k0 = 0; k0 < k; k0 += KBlock)
            {
                int kc = Math.Min(KBlock, k - k0);
                PanelPacker.Pack(_level, w, n0, width, k0, kc, rowsTemp, panel);
                MicroTiles.Run(_level, _a + r0 * _lda + k0, _lda, panel, PanelPacker.Width, target, ldt, rows, cols, kc, accumulate: k0 > 0);
            }
            if (!direct)
                for (int r = 0; r < rows; r++)
                    new ReadOnlySpan<float>(target + r * ldt, width).CopyTo(new Span<float>(cTask + r * _ldc, width));
        }
    }
}
