using LongRopeSearch.Model;

namespace LongRopeSearch.Engine.Kernels;

/// <summary>The yardstick for <see cref="Gemm"/>: C[m, n] = Σ_k A[m, k]·W[n, k], plain loops, float64 accumulation.</summary>
internal static class GemmReference
{
    /// <param name="a">A [m, k] row-major.</param>
    /// <returns>C [m, N] row-major.</returns>
    public static float[] Multiply(float[] a, int m, int k, Tensor w)
    {
        var wf = w.ToFloatArray(); // [N, k]
        int n = w.Rows;
        var c = new float[m * n];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++) s += (double)a[i * k + p] * wf[j * k + p];
                c[i * n + j] = (float)s;
            }
        return c;
    }
}
