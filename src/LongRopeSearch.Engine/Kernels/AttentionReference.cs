namespace LongRopeSearch.Engine.Kernels;

/// <summary>The yardstick for <see cref="CausalAttention"/>: row by row, full softmax over keys 0..i, float64.</summary>
internal static class AttentionReference
{
    /// <param name="q">[length, heads·d]</param>
    /// <param name="k">[length, kvHeads·d] (not transposed)</param>
    /// <param name="v">[length, kvHeads·d]</param>
    /// <returns>[length, heads·d]</returns>
    public static float[] Run(float[] q, float[] k, float[] v, int length, int heads, int kvHeads, int d)
    {
        int group = heads / kvHeads, qDim = heads * d, kvDim = kvHeads * d;
        double scale = 1.0 / Math.Sqrt(d);
        var o = new float[length * qDim];
        var p = new double[length];
        for (int h = 0; h < heads; h++)
        {
            int g = h / group;
            for (int i = 0; i < length; i++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j <= i; j++)
                {
                    double dot = 0;
                    for (int c = 0; c < d; c++) dot += (double)q[i * qDim + h * d + c] * k[j * kvDim + g * d + c];
                    p[j] = dot * scale;
                    max = Math.Max(max, p[j]);
                }
                double sum = 0;
                for (int j = 0; j <= i; j++) sum += p[j] = Math.Exp(p[j] - max);
                for (int c = 0; c < d; c++)
                {
                    double acc = 0;
                    for (int j = 0; j <= i; j++) acc += p[j] * v[j * kvDim + g * d + c];
                    o[i * qDim + h * d + c] = (float)(acc / sum);
                }
            }
        }
        return o;
    }
}
