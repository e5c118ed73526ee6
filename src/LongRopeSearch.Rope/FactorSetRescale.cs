using System.Globalization;

namespace LongRopeSearch.Rope;

/// <summary>
/// Moves a factor set found for one scale to another (e.g. seeding the 16× search with the 8× result, or the
/// progressive-extension step). Each λ keeps its relative position between "untouched" (1) and the scale:
/// λ' = 1 + (λ − 1)·(s' − 1)/(s − 1). n̂ is kept; the attention factor is whatever the caller's policy gives for s'.
/// </summary>
public static class FactorSetRescale
{
    public static FactorSet ToScale(FactorSet factors, double fromScale, double toScale, double newAttentionFactor)
    {
        ArgumentNullException.ThrowIfNull(factors);
        if (!double.IsFinite(fromScale) || fromScale <= 0 || fromScale == 1)
            throw new ArgumentOutOfRangeException(nameof(fromScale), fromScale, "the source scale must be finite, positive and not 1 (λ − 1 is divided by s − 1)");
        if (!double.IsFinite(toScale) || toScale <= 0)
            throw new ArgumentOutOfRangeException(nameof(toScale), toScale, "the target scale must be finite and positive");
        var ratio = (toScale - 1) / (fromScale - 1);
        var lambda = new double[factors.Pairs]; // [pairs]
        for (int i = 0; i < lambda.Length; i++) lambda[i] = 1 + (factors.Lambda[i] - 1) * ratio;
        var source = string.Create(CultureInfo.InvariantCulture, $"factor set rescaled from s = {fromScale:R} to s = {toScale:R}");
        return new FactorSet(lambda, factors.NHat, newAttentionFactor, source);
    }
}
