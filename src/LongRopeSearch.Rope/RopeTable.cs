namespace LongRopeSearch.Rope;

/// <summary>
/// cos and sin of every (position, pair) angle for one factor set, with the attention factor folded in.
/// Angles are computed in float64 (p·θ_i/λ_i at p = 2M loses whole radians of precision in float32), then stored as float32.
/// </summary>
public sealed class RopeTable
{
    private RopeTable(int length, int pairs, float[] cos, float[] sin)
    {
        Length = length;
        Pairs = pairs;
        Cos = cos;
        Sin = sin;
    }

    public int Length { get; }
    public int Pairs { get; }

    /// <summary>[length, pairs] row-major: Cos[p·pairs + i].</summary>
    public float[] Cos { get; }

    /// <summary>[length, pairs] row-major: Sin[p·pairs + i].</summary>
    public float[] Sin { get; }

    /// <param name="rotaryDim">
    /// The rotated part of a head: head_dim × partial_rotary_factor (head_dim for most models); θ_i = rope_theta^(−2i/rotaryDim)
    /// as transformers computes it, one column per pair i &lt; rotaryDim / 2.
    /// </param>
    public static RopeTable Build(FactorSet factors, double ropeTheta, int rotaryDim, int length)
    {
        ArgumentNullException.ThrowIfNull(factors);
        var theta = RopeFrequencies.InverseFrequencies(ropeTheta, rotaryDim);
        var pairs = theta.Length;
        if (factors.Pairs != pairs) throw new ArgumentException($"factor set has {factors.Pairs} factors, the model has {pairs} rotary pairs", nameof(factors));
        var scaled = new double[pairs];
        for (int i = 0; i < pairs; i++) scaled[i] = theta[i] / factors.Lambda[i];
        var cos = new float[(long)length * pairs];
        var sin = new float[(long)length * pairs];
        var af = factors.AttentionFactor;
        for (int p = 0; p < length; p++)
        {
            bool original = p < factors.NHat;
            var freq = original ? theta : scaled;
            var m = original ? 1.0 : af;
            var row = (long)p * pairs;
            for (int i = 0; i < pairs; i++)
            {
                var a = p * freq[i];
                cos[row + i] = (float)(Math.Cos(a) * m);
                sin[row + i] = (float)(Math.Sin(a) * m);
            }
        }
        return new RopeTable(length, pairs, cos, sin);
    }
}
