using System.Text.Json;
using System.Text.Json.Serialization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Engine.Bench;

/// <summary>What to measure. Defaults: the lengths and GEMM shapes of the engine's performance targets.</summary>
public sealed record EngineBenchmarkOptions
{
    /// <summary>Sequence lengths to evaluate (one sample each, made by concatenating documents).</summary>
    public IReadOnlyList<int> Lengths { get; init; } = [2048, 8192, 32768];

    /// <summary>Timed runs per length; the fastest is reported (the first call also warms the JIT up).</summary>
    public int Repeats { get; init; } = 2;

    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Rows (tokens) of the GEMM shapes; 0 skips the GEMM part.</summary>
    public int GemmRows { get; init; } = 512;

    /// <summary>(K, N) weight shapes for the GEMM part: a 7B layer's attention (4096→4096) and MLP (4096→11008).</summary>
    public IReadOnlyList<(int K, int N)> GemmShapes { get; init; } = [(4096, 4096), (4096, 11008)];

    /// <summary>Also evaluate each length as a prefix evaluation in this many even steps (0: whole passes only).</summary>
    public int PrefixSteps { get; init; }

    /// <summary>Activation budget (<see cref="ForwardPassOptions.MaxMemoryBytes"/>): lengths whose prefix evaluation exceeds it are measured whole only.</summary>
    public long? MaxMemoryBytes { get; init; }

    /// <summary>Free text stored with the figures (e.g. how loaded the machine was).</summary>
    public string? Note { get; init; }
}

/// <summary>One evaluated length.</summary>
/// <param name="Gflop">Counted work: see <see cref="EngineBenchmark.ForwardFlops"/>.</param>
/// <param name="PeakMemoryBytes">Peak resident set (VmHWM) while this length ran, or the process peak where it cannot be reset.</param>
/// <param name="MeanNll">Mean next-token NLL of the sample (a sanity figure; compare with PyTorch's).</param>
public sealed record LengthBenchmark(int Length, double Seconds, double TokensPerSecond, double Gflop, double GflopPerSecond,
    long PeakMemoryBytes, double MeanNll)
{
    /// <summary>Activation buffers the forward pass held (<see cref="FastForward.WorkspaceBytes"/>; the peak also holds the weights and the runtime).</summary>
    public long EngineBytes { get; init; }
}

/// <summary>
/// One length evaluated as a prefix evaluation (<see cref="IPrefixForwardPass"/>) through every step, beside the
/// whole pass of the same length in <see cref="EngineBenchmarkResult.Lengths"/>.
/// </summary>
/// <param name="Ends">Step ends (positions).</param>
/// <param name="CostFractions">For each end P, <see cref="ForwardCost.Flops"/> of rows [0, P) ÷ of [0, L): what stopping there costs.</param>
/// <param name="TokensPerSecond">(L − 1) positions ÷ seconds through every step.</param>
/// <param name="PeakMemoryBytes">Peak resident set while it ran, measured like the whole pass's.</param>
/// <param name="EngineBytes">Activation buffers held: keys and values of every layer, one segment's rows, chunk buffers.</param>
/// <param name="SameBits">The NLL of every position equals the whole pass's, bit for bit.</param>
public sealed record PrefixBenchmark(int Length, IReadOnlyList<int> Ends, IReadOnlyList<double> CostFractions, double Seconds,
    double TokensPerSecond, long PeakMemoryBytes, long EngineBytes, bool SameBits);

/// <summary>One GEMM shape: C[M, N] = A[M, K]·Wᵀ with W stored as <paramref name="DType"/>.</summary>
public sealed record GemmBenchmark(int M, int K, int N, string DType, double Seconds, double GflopPerSecond);

public sealed record EngineBenchmarkResult(
    string Model,
    string SimdLevel,
    int Threads,
    IReadOnlyList<LengthBenchmark> Lengths,
    IReadOnlyList<GemmBenchmark> Gemm)
{
    /// <summary>How GFLOP are counted, stored with the numbers so a reader can redo them.</summary>
    public string FlopFormula { get; init; } = EngineBenchmark.FlopFormulaText;

    /// <summary>Prefix evaluations, one per length (empty unless asked for).</summary>
    public IReadOnlyList<PrefixBenchmark> Prefix { get; init; } = [];

    /// <summary>Free text stored with the figures (<see cref="EngineBenchmarkOptions.Note"/>).</summary>
    public string? Note { get; init; }

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>Writes the JSON through a temporary file and a rename.</summary>
    public void WriteJson(string path) => AtomicFile.WriteAllText(path, ToJson());
}
