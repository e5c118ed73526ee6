using System.Text;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;

namespace LongRopeSearch.Search.Tests;

/// <summary>
/// A fitness with a known optimum standing in for perplexity: per-sample NLL =
/// base + difficulty_j + Σ_i (ln λ_i − ln λ*_i)² + 0.002·(log2(1 + n̂) − log2(1 + n̂*))² [+ 2·(ln af − ln af*)²] + noise(key, j),
/// where λ*_i = s^((i/(P−1))^2) (monotone, 1 at the first pair, s at the last) and the noise (±<see cref="NoiseAmplitude"/>)
/// is a pure function of the factor key and the sample, like a real engine's bits.
/// </summary>
public sealed class SyntheticEvaluator : ICandidateEvaluator
{
    public const double NoiseAmplitude = 0.002;
    private static readonly double[] Difficulty = [0.0, 0.7, -0.3, 1.1, 0.4, 0.2, 0.9, -0.1];

    public SyntheticEvaluator(int samples, int optimumNHat = 8) { Samples = samples; OptimumNHat = optimumNHat; }

    public int Samples { get; }
    public int OptimumNHat { get; }

    /// <summary>af*, or null for a fitness blind to the attention factor (as before it could be searched).</summary>
    public double? OptimumAttentionFactor { get; init; }

    /// <summary>Every call in order: (key, length).</summary>
    public List<(string Key, int Length)> Calls { get; } = [];

    public Action<int>? BeforeEvaluation { get; set; }

    public static double OptimumLambda(int pair, int pairs, double scale) => Math.Pow(scale, Math.Pow((double)pair / (pairs - 1), 2));

    /// <summary>The noise-free part of the NLL (what the search should minimise).</summary>
    public double Loss(FactorSet f, int length, int originalLength)
    {
        var s = Math.Max(1.0, (double)length / originalLength);
        double loss = 2.0;
        for (int i = 0; i < f.Pairs; i++)
        {
            var d = Math.Log(f.Lambda[i]) - Math.Log(OptimumLambda(i, f.Pairs, s));
            loss += d * d;
        }
        var dn = Math.Log2(1 + f.NHat) - Math.Log2(1 + OptimumNHat);
        loss += 0.002 * dn * dn;
        if (OptimumAttentionFactor is { } af)
        {
            var da = Math.Log(f.AttentionFactor) - Math.Log(af);
            loss += 2 * da * da;
        }
        return loss;
    }

    public int OriginalLength { get; init; } = 64;

    public CandidateScore Evaluate(FactorSet factors, int length, AbandonRule? abandon, CancellationToken ct)
    {
        BeforeEvaluation?.Invoke(Calls.Count);
        ct.ThrowIfCancellationRequested();
        Calls.Add((factors.Key, length));
        var loss = Loss(factors, length, OriginalLength);
        var nll = new List<double>();
        for (int j = 0; j < Samples; j++)
        {
            nll.Add(loss + Difficulty[j % Difficulty.Length] + NoiseAmplitude * Noise(factors.Key, j));
            if (abandon is not null && !abandon.ShouldContinue(nll.Count, nll))
                return CandidateScore.FromSamples(nll.ToArray(), abandoned: true, seconds: 0.001 * nll.Count);
        }
        return CandidateScore.FromSamples(nll.ToArray(), abandoned: false, seconds: 0.001 * Samples);
    }

    /// <summary>A stable value in [−1, 1] from FNV-1a of the key and sample index (string.GetHashCode is randomised per process).</summary>
    public static double Noise(string key, int sample)
    {
        ulong h = 14695981039346656037UL;
        foreach (var b in Encoding.UTF8.GetBytes(key + "#" + sample))
        {
            h ^= b;
            h *= 1099511628211UL;
        }
        return (h >> 11) * (2.0 / (1UL << 53)) - 1.0;
    }
}
