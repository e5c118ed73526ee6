using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Search;

namespace LongRopeSearch.Cluster.TestHost;

/// <summary>
/// A deterministic stand-in for the engine: per-sample NLL i = 1 + λ-sum·1e-3 + candidate·1e-6 + i·1e-4 (4 samples),
/// taking <c>evalMs</c> of wall time in slices that honour cancellation. It writes start-/end- marker files so a test
/// can see who evaluated what and when; a factor key containing "fail" throws (a corrupt shard).
/// </summary>
public sealed class StandInEvaluator(int evalMs, string markerDir)
{
    public const int Samples = 4;

    public static double[] ExpectedNll(EvaluationRequest r)
    {
        var nll = new double[Samples];  // [samples]
        for (var i = 0; i < Samples; i++) nll[i] = 1 + r.Lambda.Sum() * 1e-3 + r.CandidateId * 1e-6 + i * 1e-4;
        return nll;
    }

    /// <summary>The stand-in has no samples to keep: <paramref name="inFlight"/> is not used.</summary>
    public CandidateScore Evaluate(EvaluationRequest request, InFlightSamples inFlight, CancellationToken ct)
    {
        var tag = $"{request.CandidateId}-{Environment.ProcessId}-{DateTime.UtcNow.Ticks}";
        File.WriteAllText(Path.Combine(markerDir, $"start-{tag}"), "");
        if (request.FactorKey.Contains("fail", StringComparison.Ordinal))
            throw new InvalidDataException($"shard for {request.FactorKey} is corrupt (stand-in failure)");
        var until = Environment.TickCount64 + evalMs;
        while (Environment.TickCount64 < until)
        {
            ct.ThrowIfCancellationRequested();
            Thread.Sleep((int)Math.Clamp(until - Environment.TickCount64, 0, 50));
        }
        var nll = ExpectedNll(request);
        File.WriteAllText(Path.Combine(markerDir, $"end-{tag}"), "");
        return new CandidateScore(nll, nll.Average(), Abandoned: false, Seconds: evalMs / 1000.0);
    }
}
