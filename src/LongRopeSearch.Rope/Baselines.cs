using System.Globalization;

namespace LongRopeSearch.Rope;

/// <summary>
/// The classic context-extension methods written as LongRoPE factor sets. Every method in Hugging Face transformers
/// (modeling_rope_utils.py) produces a modified inverse frequency θ'_i; here it becomes λ_i = θ_i / θ'_i, so the
/// engine's one semantics (angle p·θ_i/λ_i) reproduces the method exactly. Everything is computed in float64
/// (transformers uses float32 tensors; the difference is ~1e-7 relative, far below what perplexity can see).
/// Scale s = target length / L0. n̂ is always 0.
/// </summary>
public static class Baselines
{
    /// <summary>YaRN β_fast: pairs turning more than this many times over L0 are left untouched (HF default 32).</summary>
    public const double YarnBetaFast = 32;

    /// <summary>YaRN β_slow: pairs turning fewer than this many times over L0 are fully interpolated (HF default 1).</summary>
    public const double YarnBetaSlow = 1;

    /// <summary>Llama 3.1 low_freq_factor: wavelengths above L0 / this are divided by s.</summary>
    public const double Llama3LowFreqFactor = 1;

    /// <summary>Llama 3.1 high_freq_factor: wavelengths below L0 / this are kept.</summary>
    public const double Llama3HighFreqFactor = 4;

    /// <summary>The factor set of <paramref name="method"/> at scale s = target / L0, with each method's default parameters.</summary>
    public static FactorSet Create(BaselineMethod method, RopeGeometry geometry, double scale)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        CheckScale(scale);
        return method switch
        {
            BaselineMethod.None => FactorSet.Identity(geometry.Pairs),
            BaselineMethod.Pi => LinearInterpolation(geometry, scale),
            BaselineMethod.Ntk => Ntk(geometry, scale),
            BaselineMethod.Yarn => Yarn(geometry, scale),
            BaselineMethod.Llama3 => Llama3(geometry, scale),
            BaselineMethod.DynamicNtk => DynamicNtk(geometry, scale),
            _ => throw new ArgumentOutOfRangeException(nameof(method), method, "unknown baseline method"),
        };
    }

    /// <summary>pi, ntk, yarn, llama3, dynamic-ntk at scale s (the table a search result is validated against).</summary>
    public static IReadOnlyList<(string Name, FactorSet Factors)> All(RopeGeometry geometry, double scale)
    {
        BaselineMethod[] methods = [BaselineMethod.Pi, BaselineMethod.Ntk, BaselineMethod.Yarn, BaselineMethod.Llama3, BaselineMethod.DynamicNtk];
        return methods.Select(m => (m.Name(), Create(m, geometry, scale))).ToArray();
    }

    /// <summary>
    /// What searched factors are judged against: the unmodified model ("none"), then <see cref="All"/> at scale s.
    /// </summary>
    public static IReadOnlyList<(string Name, FactorSet Factors)> WithIdentity(RopeGeometry geometry, double scale)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return [(BaselineMethod.None.Name(), FactorSet.Identity(geometry.Pairs)), .. All(geometry, scale)];
    }

    /// <summary>Position interpolation (HF "linear"): θ'_i = θ_i / s, so λ_i = s; attention factor 1.</summary>
    public static FactorSet LinearInterpolation(RopeGeometry geometry, double scale)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        CheckScale(scale);
        return new FactorSet(Enumerable.Repeat(scale, geometry.Pairs).ToArray(), 0, 1.0, Label("pi", scale));
    }

    /// <summary>NTK-aware static scaling (HF "ntk"): base b' = b·s^(d/(d−2)); λ_i = (b'/b)^(2i/d); attention factor 1.</summary>
    public static FactorSet Ntk(RopeGeometry geometry, double scale)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        CheckScale(scale);
        var d = geometry.HeadDim;
        var newBase = geometry.RopeTheta * Math.Pow(scale, (double)d / (d - 2));
        return FromNewBase(geometry, newBase, Label("ntk", scale));
    }

    /// <summary>
    /// Dynamic NTK (HF "dynamic") frozen at one sequence length: b' = b·((s·n / L0) − (s − 1))^(d/(d−2)) with
    /// n = max(<paramref name="sequenceLength"/>, L0). By default n is the target length s·L0 and the configured factor
    /// is s itself — what transformers computes for rope_scaling {"type": "dynamic", "factor": s} on a sequence of the
    /// target length (so the base grows with s² − s + 1, more than static NTK). Attention factor 1.
    /// </summary>
    public static FactorSet DynamicNtk(RopeGeometry geometry, double scale, double? sequenceLength = null)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        CheckScale(scale);
        var d = geometry.HeadDim;
        double l0 = geometry.OriginalLength;
        var n = Math.Max(sequenceLength ?? scale * l0, l0);
        var ratio = scale * n / l0 - (scale - 1);
        var newBase = geometry.RopeTheta * Math.Pow(ratio, (double)d / (d - 2));
        return FromNewBase(geometry, newBase, Label("dynamic-ntk", scale));
    }

    /// <summary>
    /// YaRN (HF "yarn"). Pairs are split by how many full turns they make over L0: more than β_fast turns → kept
    /// (extrapolated, λ = 1), fewer than β_slow → interpolated (λ = s), a linear ramp in pair index between.
    /// The correction range comes from find_correction_dim (the pair index at which a given number of turns fits in L0),
    /// floored/ceiled when <paramref name="truncate"/> (HF's default, and the only behaviour before the option existed)
    /// and clamped to [0, d − 1]. θ'_i = θ_i/s·(1 − e_i) + θ_i·e_i with extrapolation factor e_i = 1 − ramp_i, exactly as
    /// HF combines them. Attention factor 0.1·ln s + 1 (HF get_mscale with mscale 1; 1 for s ≤ 1).
    /// The rotation counts are measured over L0 (current HF reads original_max_position_embeddings; older releases read
    /// max_position_embeddings, which is the same number for an unextended model such as Llama 2).
    /// </summary>
    public static FactorSet Yarn(RopeGeometry geometry, double scale, double betaFast = YarnBetaFast, double betaSlow = YarnBetaSlow, bool truncate = true)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        CheckScale(scale);
        var theta = geometry.InverseFrequencies(); // [pairs]
        var (low, high) = YarnCorrectionRange(geometry, betaFast, betaSlow, truncate);
        if (low == high) high += 0.001; // HF's guard against a zero-width ramp
        var thetaPrime = new double[theta.Length]; // [pairs]
        for (int i = 0; i < theta.Length; i++)
        {
            var ramp = Math.Clamp((i - low) / (high - low), 0.0, 1.0);
            var extrapolationFactor = 1 - ramp;
            var interpolated = theta[i] / scale;
            thetaPrime[i] = interpolated * (1 - extrapolationFactor) + theta[i] * extrapolationFactor;
        }
        return FromModifiedFrequencies(theta, thetaPrime, AttentionFactors.YarnDefault(scale), Label("yarn", scale));
    }

    /// <summary>
    /// YaRN's correction range in pair-index units: find_correction_dim(β) = d·ln(L0 / (2π·β)) / (2·ln b), low from
    /// β_fast and high from β_slow; floor/ceil when truncating, then clamped to [0, d − 1] (HF clamps to d − 1, not
    /// d/2 − 1; the ramp saturates either way).
    /// </summary>
    public static (double Low, double High) YarnCorrectionRange(RopeGeometry geometry, double betaFast = YarnBetaFast, double betaSlow = YarnBetaSlow, bool truncate = true)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var low = CorrectionDim(geometry, betaFast);
        var high = CorrectionDim(geometry, betaSlow);
        if (truncate)
        {
            low = Math.Floor(low);
            high = Math.Ceiling(high);
        }
        return (Math.Max(low, 0), Math.Min(high, geometry.HeadDim - 1));
    }

    /// <summary>
    /// Llama 3.1 (HF "llama3"): wavelength w_i = 2π/θ_i. w_i &lt; L0/high_freq_factor → kept; w_i &gt; L0/low_freq_factor
    /// → θ_i/s; between, θ'_i = (1 − k)·θ_i/s + k·θ_i with k = (L0/w_i − low_freq_factor)/(high_freq_factor − low_freq_factor).
    /// Attention factor 1.
    /// </summary>
    public static FactorSet Llama3(RopeGeometry geometry, double scale, double lowFreqFactor = Llama3LowFreqFactor, double highFreqFactor = Llama3HighFreqFactor)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        CheckScale(scale);
        if (!(highFreqFactor > lowFreqFactor) || !(lowFreqFactor > 0))
            throw new ArgumentOutOfRangeException(nameof(highFreqFactor), "llama3 needs 0 < low_freq_factor < high_freq_factor");
        double l0 = geometry.OriginalLength;
        var lowFreqWavelength = l0 / lowFreqFactor;
        var highFreqWavelength = l0 / highFreqFactor;
        var theta = geometry.InverseFrequencies(); // [pairs]
        var thetaPrime = new double[theta.Length]; // [pairs]
        for (int i = 0; i < theta.Length; i++)
        {
            var wavelength = 2 * Math.PI / theta[i];
            if (wavelength < highFreqWavelength)
            {
                thetaPrime[i] = theta[i];
            }
            else if (wavelength > lowFreqWavelength)
            {
                thetaPrime[i] = theta[i] / scale;
            }
            else
            {
                var smooth = (l0 / wavelength - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                thetaPrime[i] = (1 - smooth) * theta[i] / scale + smooth * theta[i];
            }
        }
        return FromModifiedFrequencies(theta, thetaPrime, 1.0, Label("llama3", scale));
    }

    private static double CorrectionDim(RopeGeometry g, double rotations) =>
        g.HeadDim * Math.Log(g.OriginalLength / (rotations * 2 * Math.PI)) / (2 * Math.Log(g.RopeTheta));

    private static FactorSet FromNewBase(RopeGeometry geometry, double newBase, string label)
    {
        var theta = geometry.InverseFrequencies(); // [pairs]
        var thetaPrime = RopeFrequencies.InverseFrequencies(newBase, geometry.HeadDim); // [pairs]
        return FromModifiedFrequencies(theta, thetaPrime, 1.0, label);
    }

    private static FactorSet FromModifiedFrequencies(double[] theta, double[] thetaPrime, double attentionFactor, string label)
    {
        var lambda = new double[theta.Length]; // [pairs]
        for (int i = 0; i < theta.Length; i++) lambda[i] = theta[i] / thetaPrime[i];
        return new FactorSet(lambda, 0, attentionFactor, label);
    }

    private static void CheckScale(double scale)
    {
        if (!double.IsFinite(scale) || scale <= 0)
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale (target / original length) must be finite and positive");
    }

    private static string Label(string method, double scale) =>
        string.Create(CultureInfo.InvariantCulture, $"{method} baseline (s = {scale:R})");
}
