namespace LongRopeSearch.Engine.Kernels;

/// <summary>Plain-loop yardsticks for the row kernels (RMSNorm, rotary, SwiGLU, NLL), float64 where it matters.</summary>
internal static class ElementwiseReference
{
    public static float[] RmsNorm(float[] x, int rows, int n, float[] w, float eps)
    {
        var y = new float[rows * n];
        for (int r = 0; r < rows; r++)
        {
            double ss = 0;
            for (int i = 0; i < n; i++) ss += (double)x[r * n + i] * x[r * n + i];
            double inv = 1.0 / Math.Sqrt(ss / n + eps);
            for (int i = 0; i < n; i++) y[r * n + i] = (float)(x[r * n + i] * inv * w[i]);
        }
        return y;
    }

    /// <summary>Rotates one row [heads·d] with cos/sin [d/2].</summary>
    public static float[] Rotary(float[] row, int heads, int d, float[] cos, float[] sin)
    {
        var y = (float[])row.Clone();
        int half = d / 2;
        for (int h = 0; h < heads; h++)
            for (int i = 0; i < half; i++)
            {
                float a = row[h * d + i], b = row[h * d + i + half];
                y[h * d + i] = a * cos[i] - b * sin[i];
                y[h * d + i + half] = b * cos[i] + a * sin[i];
            }
        return y;
    }

    public static float[] SwiGlu(float[] gate, float[] up)
    {
        var y = new float[gate.Length];
        for (int i = 0; i < y.Length; i++)
        {
            double g = gate[i];
            y[i] = (float)(g / (1 + Math.Exp(-g)) * up[i]);
        }
        return y;
    }

    public static double Nll(float[] logits, int target)
    {
        double max = double.NegativeInfinity;
        foreach (var z in logits) max = Math.Max(max, z);
        double sum = 0;
        foreach (var z in logits) sum += Math.Exp(z - max);
        return Math.Log(sum) + max - logits[target];
    }
}
