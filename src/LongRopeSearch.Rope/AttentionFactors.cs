namespace LongRopeSearch.Rope;

/// <summary>
/// Default attention-factor (cos/sin magnitude) policies. Stretching positions flattens attention; multiplying the
/// rotary outputs by a factor slightly above 1 restores the entropy the model was trained with.
/// </summary>
public static class AttentionFactors
{
    /// <summary>
    /// LongRoPE / Phi-3 default: √(1 + ln s / ln L0); 1 for s ≤ 1 (no extension, no correction).
    /// </summary>
    public static double LongRopeDefault(double scale, int originalLength)
    {
        if (!double.IsFinite(scale) || scale <= 0) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be finite and positive");
        if (originalLength < 2) throw new ArgumentOutOfRangeException(nameof(originalLength), originalLength, "the original length must be at least 2 (ln L0 divides)");
        return scale <= 1 ? 1.0 : Math.Sqrt(1 + Math.Log(scale) / Math.Log(originalLength));
    }

    /// <summary>YaRN default (HF get_mscale with mscale 1): 0.1·ln s + 1; 1 for s ≤ 1.</summary>
    public static double YarnDefault(double scale) => YarnMscale(scale, 1.0);

    /// <summary>HF get_mscale(s, mscale): 0.1·mscale·ln s + 1; 1 for s ≤ 1 (DeepSeek-style yarn divides two of these).</summary>
    public static double YarnMscale(double scale, double mscale)
    {
        if (!double.IsFinite(scale) || scale <= 0) throw new ArgumentOutOfRangeException(nameof(scale), scale, "scale must be finite and positive");
        return scale <= 1 ? 1.0 : 0.1 * mscale * Math.Log(scale) + 1.0;
    }
}
