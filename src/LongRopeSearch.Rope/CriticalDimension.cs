namespace LongRopeSearch.Rope;

/// <summary>
/// The critical dimension of "Scaling Laws of RoPE-based Extrapolation" (Liu et al., 2023). Pair i turns once every
/// 2π/θ_i = 2π·b^(2i/d) positions. Pairs whose period is longer than the trained context L0 never completed a full
/// turn in training, so the model only ever saw part of their circle; positions beyond L0 push them to angles it has
/// never seen, which is why extrapolation fails there and why those pairs need interpolation (λ near s) while faster
/// pairs can keep λ near 1. Solving 2π·b^(2i/d) = L0 for i gives (d/2)·log_b(L0/(2π)) pairs that did see a full turn;
/// the paper rounds it up and counts dimensions: d_extra = 2·⌈(d/2)·log_b(L0/(2π))⌉ (Llama 2: d 128, b 10000,
/// L0 4096 → 92).
/// <para>
/// The search's <c>critical_dimension: true</c> takes <see cref="Pair"/>: LongRoPE2 (Shang et al., 2025) bounds the
/// pairs from it up below by the scale s, for the same reason (see search-spaces/README.md). LongRoPE2's search code
/// (microsoft/LongRoPE, branch dev/nishang/longrope) defaults to ⌈(d/2)·log_b(L0/(2π))⌉ − 1, one pair lower, which
/// also bounds the last pair that did complete a turn; a space file can give that index explicitly.
/// </para>
/// </summary>
/// <param name="Pair">First pair index whose period 2π/θ_i exceeds L0 (found by comparing the periods; d/2 when none does).</param>
/// <param name="DExtra">d_extra = 2·⌈(d/2)·log_b(L0/(2π))⌉, clamped to [0, d]: the number of dimensions that saw a full period.</param>
/// <param name="ExactPairs">(d/2)·log_b(L0/(2π)) before rounding: the fractional pair index where the period equals L0.</param>
public sealed record CriticalDimension(int Pair, int DExtra, double ExactPairs)
{
    /// <summary>
    /// Computes both forms. They agree (Pair = DExtra / 2) except when (d/2)·log_b(L0/(2π)) is an exact integer,
    /// where the pair at that index has period exactly L0 and so does not "exceed" it.
    /// </summary>
    public static CriticalDimension Compute(RopeGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        var d = geometry.HeadDim;
        var exact = d / 2.0 * Math.Log(geometry.OriginalLength / (2 * Math.PI)) / Math.Log(geometry.RopeTheta);
        var dExtra = (int)Math.Clamp(2 * Math.Ceiling(exact), 0, d);
        var pair = geometry.Pairs;
        for (int i = 0; i < geometry.Pairs; i++)
        {
            if (RopeFrequencies.Wavelength(geometry.RopeTheta, d, i) > geometry.OriginalLength)
            {
                pair = i;
                break;
            }
        }
        return new CriticalDimension(pair, dExtra, exact);
    }
}
