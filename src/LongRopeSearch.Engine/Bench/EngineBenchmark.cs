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
    public const string FlopFormulaText =
        "per sequence of L tokens: L·(layers·2·hidden·(q_dim + 2·kv_dim + q_dim + 3·intermediate) + 2·hidden·vocab) " +
        "+ layers·2·heads·head_dim·L·(L+1)  [projections, MLP and lm head as 2·in·out per token; attention QKᵀ and PV " +
        "as 2·head_dim each per causal (query, key) pair, L(L+1)/2 pairs per head, or W(W+1)/2 + (L−W)·W on a layer " +
        "with a sliding window W < L]; GEMM: 2·M·N·K";

    /// <summary>FLOPs of one forward pass over <paramref name="length"/> tokens, counted as in <see cref="FlopFormulaText"/>.</summary>
    public static double ForwardFlops(ModelConfig c, int length)
    {
        ArgumentNullException.ThrowIfNull(c);
        double perTokenLayer = 2.0 * c.HiddenSize * (c.QueryDim + 2.0 * c.KvDim + c.QueryDim + 3.0 * c.IntermediateSize);
        double perToken = c.NumLayers * perTokenLayer + 2.0 * c.HiddenSize * c.VocabSize;
        double pairs = 0; // causal (query, key) pairs per head, summed over the layers
        for (int layer = 0; layer < c.NumLayers; layer++)
        {
            double w = Math.Min(c.AttentionWindow(layer) ?? length, length);
            pairs += w * (w + 1) / 2 + (length - w) * w;
        }
        double attention = 4.0 * c.NumHeads * c.HeadDim * pairs;
        return length * perToken + attention;
    }

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
        foreach (var length in options.Lengths)
        {
            ct.ThrowIfCancellationRequested();
            var tokens = ConcatenatedSample(documents, length);
            var rope = RopeTable.Build(FactorSet.Identity(c.RotaryPairs), c.RopeTheta, c.RotaryDim, length);
            var nll = new double[length - 1];
            GC.Collect();
            GC.WaitForPendingFinalizers();
            PeakMemory.TryReset();
            double best = double.MaxValue;
            // Cache off: every run does the full work a first evaluation of a sample does.
            using (var forward = new FastForward(weights, new ForwardPassOptions { Threads = options.Threads, Layer0CacheBytes = 0 }))
            {
                for (int r = 0; r < Math.Max(1, options.Repeats); r++)
                {
                    var clock = Stopwatch.StartNew();
                    forward.TokenNll(tokens, rope, nll, ct);
                    best = Math.Min(best, clock.Elapsed.TotalSeconds);
                }
            }
            double gflop = ForwardFlops(c, length) / 1e9;
            var result = new LengthBenchmark(length, best, length / best, gflop, gflop / best, PeakMemory.Bytes(), nll.Average());
            log?.Invoke($"L={length}: {result.TokensPerSecond:F0} tokens/s, {result.GflopPerSecond:F1} GFLOP/s, peak {result.PeakMemoryBytes / 1048576.0:F0} MiB, mean nll {result.MeanNll:F4}");
            lengths.Add(result);
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
        return new EngineBenchmarkResult(model, SimdLevels.Best.ToString(), options.Threads, lengths, gemms);
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
