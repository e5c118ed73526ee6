using System.Diagnostics;
using LongRopeSearch.Engine.Fast.Kernels;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using Tensor = LongRopeSearch.Model.Tensor;

namespace LongRopeSearch.Engine.Bench;

/// <summary>
/// Measures the fast forward pass on a model folder: evaluation tokens/s, GFLOP/s and peak memory per sequence length, and
/// GEMM GFLOP/s on 7B-layer shapes. Not a test: numbers depend on the machine and its load.
/// </summary>
public static class EngineBenchmark
{
    public const string FlopFormulaText = ForwardCost.FormulaText;

    /// <summary>FLOPs of one forward pass over <paramref name="length"/> tokens: <see cref="ForwardCost.Flops"/> of rows [0, L).</summary>
    public static double ForwardFlops(ModelConfig c, int length) => ForwardCost.Flops(c, 0, length);

    /// <summary>
    /// A sample of <paramref name="length"/> tokens: the documents concatenated in order (from the first again when
    /// they run out), so samples longer than any one document exist.
    /// </summary>
    public static int[] ConcatenatedSample(IReadOnlyList<int[]> documents, int length)
    {
        ArgumentNullException.ThrowIfNull(documents);
        if (documents.Sum(d => (long)d.Length) == 0) throw new ArgumentException("no tokens in the documents", nameof(documents));
        var sample = new int[length];
        int filled = 0;
        for (int i = 0; filled < length; i = (i + 1) % documents.Count)
        {
            int n = Math.Min(documents[i].Length, length - filled);
            documents[i].AsSpan(0, n).CopyTo(sample.AsSpan(filled));
            filled += n;
        }
        return sample;
    }

    /// <param name="model">A name for the report (e.g. the model folder).</param>
    /// <param name="documents">Token documents of a dataset.</param>
    /// <param name="log">Progress lines (optional).</param>
    public static EngineBenchmarkResult Run(string model, LlamaWeights weights, IReadOnlyList<int[]> documents,
        EngineBenchmarkOptions options, Action<string>? log = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(options);
        var c = weights.Config;
        var lengths = new List<LengthBenchmark>();
        Warmup(weights, documents, options, ct);
        var prefixes = new List<PrefixBenchmark>();
        foreach (var length in options.Lengths)
        {
            ct.ThrowIfCancellationRequested();
            var tokens = ConcatenatedSample(documents, length);
            var rope = RopeTable.Build(FactorSet.Identity(c.RotaryPairs), c.RopeTheta, c.RotaryDim, length);
            var nll = new double[length - 1];
            var ends = options.PrefixSteps > 0 && FitsBudget(weights, options, length, log) ? PrefixSchedule.Even(length, options.PrefixSteps) : [];
            var segmented = new double[length - 1];
            // First round: each mode alone after a collection, so each peak is its own. Further rounds alternate the
            // modes (the machine's load then weighs on both alike); the fastest run of each counts.
            var whole = MeasureWhole(weights, options, tokens, rope, nll, fresh: true, ct);
            var prefix = ends.Length > 0 ? MeasurePrefix(weights, options, tokens, rope, ends, segmented, fresh: true, ct) : default;
            for (int r = 1; r < Math.Max(1, options.Repeats); r++)
            {
                whole = Faster(whole, MeasureWhole(weights, options, tokens, rope, nll, fresh: false, ct));
                if (ends.Length > 0) prefix = Faster(prefix, MeasurePrefix(weights, options, tokens, rope, ends, segmented, fresh: false, ct));
            }
            double gflop = ForwardFlops(c, length) / 1e9;
            var result = new LengthBenchmark(length, whole.Seconds, length / whole.Seconds, gflop, gflop / whole.Seconds, whole.Peak, nll.Average())
            {
                EngineBytes = whole.EngineBytes,
            };
            log?.Invoke($"L={length}: {result.TokensPerSecond:F0} tokens/s, {result.GflopPerSecond:F1} GFLOP/s, peak {Mib(result.PeakMemoryBytes)} MiB (engine {Mib(whole.EngineBytes)} MiB), mean nll {result.MeanNll:F4}");
            lengths.Add(result);
            if (ends.Length > 0)
            {
                double total = ForwardCost.Flops(c, 0, length);
                var p = new PrefixBenchmark(length, ends, ends.Select(e => ForwardCost.Flops(c, 0, e) / total).ToArray(), prefix.Seconds,
                    (length - 1) / prefix.Seconds, prefix.Peak, prefix.EngineBytes, SameBits(nll, segmented));
                log?.Invoke($"L={length} in {ends.Length} prefix steps: {p.TokensPerSecond:F0} tokens/s, peak {Mib(p.PeakMemoryBytes)} MiB (engine {Mib(p.EngineBytes)} MiB), same bits: {p.SameBits}");
                prefixes.Add(p);
            }
        }

        var gemms = new List<GemmBenchmark>();
        if (options.GemmRows > 0)
            foreach (var (k, n) in options.GemmShapes)
                foreach (var dtype in new[] { DType.F32, DType.BF16 })
                {
                    ct.ThrowIfCancellationRequested();
                    var g = MeasureGemm(options.GemmRows, k, n, dtype, options.Threads, Math.Max(2, options.Repeats));
                    log?.Invoke($"GEMM {g.M}x{g.K}->{g.N} {g.DType}: {g.GflopPerSecond:F1} GFLOP/s");
                    gemms.Add(g);
                }
        return new EngineBenchmarkResult(model, SimdLevels.Best.ToString(), options.Threads, lengths, gemms) { Prefix = prefixes, Note = options.Note };
    }

    /// <summary>Whether a prefix evaluation of this length fits <see cref="EngineBenchmarkOptions.MaxMemoryBytes"/>; says why not.</summary>
    private static bool FitsBudget(LlamaWeights weights, EngineBenchmarkOptions options, int length, Action<string>? log)
    {
        if (options.MaxMemoryBytes is not long budget) return true;
        using var forward = new FastForward(weights, new ForwardPassOptions { Threads = 1, Layer0CacheBytes = 0 });
        long needed = forward.PrefixEvaluationBytes(length);
        if (needed <= budget) return true;
        log?.Invoke($"L={length}: no prefix evaluation: it needs {Mib(needed)} MiB of activations, over the {Mib(budget)} MiB budget (the whole pass needs {Mib(forward.WholePassBytes(length))} MiB)");
        return false;
    }

    private readonly record struct Measured(double Seconds, long Peak, long EngineBytes);

    private static Measured Faster(Measured a, Measured b) => b.Seconds < a.Seconds ? a with { Seconds = b.Seconds } : a;

    private static double Mib(long bytes) => Math.Round(bytes / 1048576.0);

    private static bool SameBits(double[] a, double[] b) =>
        a.Select(BitConverter.DoubleToInt64Bits).SequenceEqual(b.Select(BitConverter.DoubleToInt64Bits));

    /// <summary>A collection, then the peak reset: what follows measures only itself.</summary>
    private static void Fresh()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        PeakMemory.TryReset();
    }

    /// <summary>One whole-sequence pass on a new forward pass with the cache off (the full work of a first evaluation).</summary>
    private static Measured MeasureWhole(LlamaWeights weights, EngineBenchmarkOptions options, int[] tokens, RopeTable rope, double[] nll, bool fresh, CancellationToken ct)
    {
        if (fresh) Fresh();
        using var forward = new FastForward(weights, new ForwardPassOptions { Threads = options.Threads, Layer0CacheBytes = 0 });
        var clock = Stopwatch.StartNew();
        forward.TokenNll(tokens, rope, nll, ct);
        double seconds = clock.Elapsed.TotalSeconds;
        return new Measured(seconds, PeakMemory.Bytes(), forward.WorkspaceBytes);
    }

    /// <summary>One sample evaluated through every prefix step, likewise.</summary>
    private static Measured MeasurePrefix(LlamaWeights weights, EngineBenchmarkOptions options, int[] tokens, RopeTable rope, int[] ends, double[] nll, bool fresh, CancellationToken ct)
    {
        if (fresh) Fresh();
        using var forward = new FastForward(weights, new ForwardPassOptions { Threads = options.Threads, Layer0CacheBytes = 0 });
        var clock = Stopwatch.StartNew();
        using (var evaluation = forward.BeginSample(tokens, rope))
            foreach (var end in ends) evaluation.Advance(end, nll, ct);
        double seconds = clock.Elapsed.TotalSeconds;
        return new Measured(seconds, PeakMemory.Bytes(), forward.WorkspaceBytes);
    }

    /// <summary>
    /// Untimed evaluations so the JIT's tiered compilation has promoted the hot loops before the first timed run
    /// (without it the first length measured runs partly on unoptimized code and reads ~40% slow).
    /// </summary>
    private static void Warmup(LlamaWeights weights, IReadOnlyList<int[]> documents, EngineBenchmarkOptions options, CancellationToken ct)
    {
        var c = weights.Config;
        int length = Math.Min(1024, options.Lengths.Count > 0 ? options.Lengths.Min() : 1024);
        var tokens = ConcatenatedSample(documents, length);
        var rope = RopeTable.Build(FactorSet.Identity(c.RotaryPairs), c.RopeTheta, c.RotaryDim, length);
        var nll = new double[length - 1];
        using var forward = new FastForward(weights, new ForwardPassOptions { Threads = options.Threads, Layer0CacheBytes = 0 });
        for (int r = 0; r < 4; r++) forward.TokenNll(tokens, rope, nll, ct);
        if (options.PrefixSteps <= 0) return;
        for (int r = 0; r < 2; r++)
        {
            using var evaluation = forward.BeginSample(tokens, rope);
            foreach (var end in PrefixSchedule.Even(length, options.PrefixSteps)) evaluation.Advance(end, nll, ct);
        }
    }

    /// <summary>C[m, n] = A[m, k]·Wᵀ with random data; the fastest of <paramref name="repeats"/> calls after a warm-up.</summary>
    public static unsafe GemmBenchmark MeasureGemm(int m, int k, int n, DType dtype, int threads, int repeats)
    {
        var rng = new Random(42);
        var wv = new float[(long)n * k]; // [n, k]
        for (long i = 0; i < wv.Length; i++) wv[i] = (float)(rng.NextDouble() - 0.5);
        var w = Tensor.FromFloats("bench.weight", [n, k], wv, dtype);
        wv = [];
        var a = new AlignedFloats((long)m * k); // [m, k]
        for (long i = 0; i < (long)m * k; i++) a.Pointer[i] = (float)(rng.NextDouble() - 0.5);
        var cBuf = new AlignedFloats((long)m * n); // [m, n]
        using var pool = new WorkerPool(threads);
        var gemm = new Gemm(pool, SimdLevels.Best);
        Tensor[] ws = [w];
        gemm.Multiply(a.Pointer, m, k, k, ws, cBuf.Pointer, n);
        double best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            var clock = Stopwatch.StartNew();
            gemm.Multiply(a.Pointer, m, k, k, ws, cBuf.Pointer, n);
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return new GemmBenchmark(m, k, n, dtype.ToString(), best, 2.0 * m * n * k / best / 1e9);
    }
}
