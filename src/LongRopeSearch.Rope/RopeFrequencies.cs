namespace LongRopeSearch.Rope;

/// <summary>The original rotary frequencies of a model: θ_i = base^(−2i/d), pair i in [0, d/2).</summary>
public static class RopeFrequencies
{
    /// <summary>θ_i in float64 (transformers computes them in float32; the difference is far below the tolerances).</summary>
    public static double[] InverseFrequencies(double ropeTheta, int headDim)
    {
        if (headDim <= 0 || headDim % 2 != 0) throw new ArgumentOutOfRangeException(nameof(headDim), "head_dim must be positive and even");
        var pairs = headDim / 2;
        var theta = new double[pairs];
        for (int i = 0; i < pairs; i++) theta[i] = Math.Pow(ropeTheta, -2.0 * i / headDim);
        return theta;
    }

    /// <summary>Period of pair i in positions: 2π/θ_i.</summary>
    public static double Wavelength(double ropeTheta, int headDim, int pair) => 2 * Math.PI / Math.Pow(ropeTheta, -2.0 * pair / headDim);
}
