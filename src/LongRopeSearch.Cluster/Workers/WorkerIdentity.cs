using System.Diagnostics;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LongRopeSearch.Cluster.Workers;

/// <summary>
/// What a worker announces: where it runs, what it has (cores, SIMD level) and what it can evaluate (one numerics
/// version, the fingerprints of the models whose files it can load). <see cref="Id"/> is unique per process, so a
/// restarted worker is a new row and the dead one's last heartbeat stays visible.
/// </summary>
public sealed record WorkerIdentity(
    string Id,
    string Host,
    int Pid,
    int Cores,
    string Simd,
    string NumericsVersion,
    IReadOnlyList<string> ModelFingerprints)
{
    /// <summary>One signature per model this worker can load.</summary>
    public IReadOnlyList<NumericsSignature> Signatures => ModelFingerprints.Select(m => new NumericsSignature(NumericsVersion, m)).ToList();

    /// <summary>This process, with the given numerics version and models.</summary>
    public static WorkerIdentity ForThisProcess(string numericsVersion, IReadOnlyList<string> modelFingerprints)
    {
        ArgumentException.ThrowIfNullOrEmpty(numericsVersion);
        if (modelFingerprints.Count == 0) throw new ArgumentException("a worker must be able to load at least one model", nameof(modelFingerprints));
        var host = Environment.MachineName;
        var pid = Environment.ProcessId;
        var started = Process.GetCurrentProcess().StartTime.ToUniversalTime().Ticks;
        return new WorkerIdentity($"{host}:{pid}:{started}", host, pid, Environment.ProcessorCount, DetectSimd(), numericsVersion, modelFingerprints);
    }

    /// <summary>The widest vector width the JIT uses here (DOTNET_EnableAVX512=0 lowers it, as the engine sees it).</summary>
    public static string DetectSimd() =>
        Vector512.IsHardwareAccelerated ? "avx512"
        : Avx2.IsSupported ? "avx2"
        : Vector128.IsHardwareAccelerated ? "sse"
        : "scalar";
}
