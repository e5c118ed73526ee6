namespace LongRopeSearch.Rope;

/// <summary>
/// The plain numbers the Rope layer needs about a model: the rotary size d (head_dim, or
/// int(head_dim × partial_rotary_factor) when only part of each head rotates), the base b (rope_theta) and the
/// context L0 the model was trained on. Validated on construction so every formula downstream can take logs and
/// divide by d − 2 without checking again.
/// </summary>
public sealed record RopeGeometry(int HeadDim, double RopeTheta, int OriginalLength)
{
    /// <summary>d, the rotary dimension: even and at least 4 (NTK-style formulas divide by d − 2).</summary>
    public int HeadDim { get; } = HeadDim >= 4 && HeadDim % 2 == 0
        ? HeadDim
        : throw new ArgumentOutOfRangeException(nameof(HeadDim), HeadDim, "head_dim must be even and at least 4");

    /// <summary>b: finite and greater than 1 (log_b appears in the YaRN and critical-dimension formulas).</summary>
    public double RopeTheta { get; } = double.IsFinite(RopeTheta) && RopeTheta > 1
        ? RopeTheta
        : throw new ArgumentOutOfRangeException(nameof(RopeTheta), RopeTheta, "rope_theta must be finite and greater than 1");

    /// <summary>L0: the trained context length in positions, at least 1.</summary>
    public int OriginalLength { get; } = OriginalLength >= 1
        ? OriginalLength
        : throw new ArgumentOutOfRangeException(nameof(OriginalLength), OriginalLength, "the original context length must be at least 1");

    /// <summary>Number of rotary pairs, d / 2 (one λ per pair).</summary>
    public int Pairs => HeadDim / 2;

    /// <summary>θ_i = b^(−2i/d) for every pair, float64.</summary>
    public double[] InverseFrequencies() => RopeFrequencies.InverseFrequencies(RopeTheta, HeadDim);
}
