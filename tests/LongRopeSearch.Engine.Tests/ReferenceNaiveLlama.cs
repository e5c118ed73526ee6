namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// A second, independent Llama written for the tests only: float64 throughout, whole matrices, the rotary embedding
/// computed from its definition (θ_i = base^(−2i/d), λ, n̂, attention factor) with Hugging Face's
/// q·cat(cos,cos) + rotate_half(q)·cat(sin,sin), attention through a full masked L×L score matrix.
/// It shares no code with the engine, so agreement means both follow the same specification.
/// </summary>
public static class ReferenceNaiveLlama
{
    /// <param name="lambda">λ per pair; null = all ones.</param>
    /// <param name="rotate">false drops the rotary embedding altogether (a position-free model).</param>
    public static double[] TokenNll(RawModel m, int[] tokens, double[]? lambda = null, int nHat = 0, double attentionFactor = 1.0, bool rotate = true)
    {
        var s = m.Spec;
        int L = tokens.Length, h = s.Hidden, d = s.HeadDim;
        var x = new double[L, h];
        for (int t = 0; t < L; t++)
            for (int c = 0; c < h; c++) x[t, c] = m.Embed[tokens[t] * h + c];

        foreach (var layer in m.Layers)
        {
            var n = RmsNorm(x, layer.InputNorm, s.Eps);
            var q = MatMulT(n, layer.Q, s.Heads * d, layer.QBias);
            var k = MatMulT(n, layer.K, s.KvHeads * d, layer.KBias);
            var v = MatMulT(n, layer.V, s.KvHeads * d, layer.VBias);
            if (rotate)
            {
                Rope(q, s.Heads, d, s.RopeTheta, lambda, nHat, attentionFactor);
                Rope(k, s.KvHeads, d, s.RopeTheta, lambda, nHat, attentionFactor);
            }
            var attn = Attention(q, k, v, s.Heads, s.Heads / s.KvHeads, d);
            Add(x, MatMulT(attn, layer.O, h, layer.OBias));

            var n2 = RmsNorm(x, layer.PostNorm, s.Eps);
            var gate = MatMulT(n2, layer.Gate, s.Intermediate, null);
            var up = MatMulT(n2, layer.Up, s.Intermediate, null);
            for (int t = 0; t < L; t++)
                for (int i = 0; i < s.Intermediate; i++)
                    gate[t, i] = gate[t, i] / (1 + Math.Exp(-gate[t, i])) * up[t, i];
            Add(x, MatMulT(gate, layer.Down, h, null));
        }

        var logits = MatMulT(RmsNorm(x, m.FinalNorm, s.Eps), m.LmHead, s.Vocab, null);
        var nll = new double[L - 1];
        for (int t = 0; t < L - 1; t++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < s.Vocab; j++) max = Math.Max(max, logits[t, j]);
            double sum = 0;
            for (int j = 0; j < s.Vocab; j++) sum += Math.Exp(logits[t, j] - max);
            nll[t] = max + Math.Log(sum) - logits[t, tokens[t + 1]];
        }
        return nll;
    }

    private static double[,] RmsNorm(double[,] x, float[] w, double eps)
    {
        int L = x.GetLength(0), h = x.GetLength(1);
        var y = new double[L, h];
        for (int t = 0; t < L; t++)
        {
            double ms = 0;
            for (int c = 0; c < h; c++) ms += x[t, c] * x[t, c] / h;
            var r = Math.Sqrt(ms + eps);
            for (int c = 0; c < h; c++) y[t, c] = x[t, c] / r * w[c];
        }
        return y;
    }

    /// <summary>x·Wᵀ (+b) with W [outDim, in] row-major.</summary>
    private static double[,] MatMulT(double[,] x, float[] w, int outDim, float[]? bias)
    {
        int L = x.GetLength(0), inDim = x.GetLength(1);
        var y = new double[L, outDim];
        for (int t = 0; t < L; t++)
            for (int o = 0; o < outDim; o++)
            {
                double acc = bias?[o] ?? 0;
                for (int c = 0; c < inDim; c++) acc += x[t, c] * w[o * inDim + c];
                y[t, o] = acc;
            }
        return y;
    }

    private static void Rope(double[,] x, int heads, int d, double theta, double[]? lambda, int nHat, double af)
    {
        int L = x.GetLength(0), half = d / 2;
        for (int p = 0; p < L; p++)
        {
            // cat(freqs, freqs): entry e uses pair e mod d/2.
            var cos = new double[d];
            var sin = new double[d];
            for (int e = 0; e < d; e++)
            {
                int i = e % half;
                double inv = Math.Pow(theta, -2.0 * i / d);
                bool original = p < nHat;
                double angle = original ? p * inv : p * inv / (lambda?[i] ?? 1.0);
                double mscale = original ? 1.0 : af;
                cos[e] = Math.Cos(angle) * mscale;
                sin[e] = Math.Sin(angle) * mscale;
            }
            for (int hd = 0; hd < heads; hd++)
            {
                var vec = new double[d];
                for (int e = 0; e < d; e++) vec[e] = x[p, hd * d + e];
                // rotate_half(v) = cat(−v[d/2:], v[:d/2])
                var rot = new double[d];
                for (int e = 0; e < half; e++) { rot[e] = -vec[e + half]; rot[e + half] = vec[e]; }
                for (int e = 0; e < d; e++) x[p, hd * d + e] = vec[e] * cos[e] + rot[e] * sin[e];
            }
        }
    }

    private static double[,] Attention(double[,] q, double[,] k, double[,] v, int heads, int group, int d)
    {
        int L = q.GetLength(0);
        var output = new double[L, heads * d];
        for (int hd = 0; hd < heads; hd++)
        {
            int g = hd / group;
            var scores = new double[L, L];
            for (int t = 0; t < L; t++)
                for (int j = 0; j < L; j++)
                {
                    if (j > t) { scores[t, j] = double.NegativeInfinity; continue; }
                    double dot = 0;
                    for (int e = 0; e < d; e++) dot += q[t, hd * d + e] * k[j, g * d + e];
                    scores[t, j] = dot / Math.Sqrt(d);
                }
            for (int t = 0; t < L; t++)
            {
                double max = double.NegativeInfinity;
                for (int j = 0; j < L; j++) max = Math.Max(max, scores[t, j]);
                double z = 0;
                for (int j = 0; j < L; j++) z += Math.Exp(scores[t, j] - max);
                for (int e = 0; e < d; e++)
                {
                    double acc = 0;
                    for (int j = 0; j < L; j++) acc += Math.Exp(scores[t, j] - max) / z * v[j, g * d + e];
                    output[t, hd * d + e] = acc;
                }
            }
        }
        return output;
    }

    private static void Add(double[,] x, double[,] delta)
    {
        for (int t = 0; t < x.GetLength(0); t++)
            for (int c = 0; c < x.GetLength(1); c++) x[t, c] += delta[t, c];
    }
}
