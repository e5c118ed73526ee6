using LongRopeSearch.Model;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Engine;

/// <summary>
/// The yardstick forward pass: a plain Llama decoder written to be obviously right rather than fast, built from the
/// one reference set of operations (Reference/: <see cref="ReferenceLinear"/>, <see cref="ReferenceAttention"/>,
/// <see cref="ReferenceOps"/>) that every fast kernel is also tested against. Layer by layer over the whole sequence,
/// activations [L, hidden]; memory is O(L·hidden) (the MLP and the logits work on chunks of <see cref="TokenChunk"/>
/// tokens so no [L, intermediate] or [L, vocab] buffer exists). Safe to call from several threads at once.
/// <para>
/// Precision choices of the reference set: activations are stored in float32 between operations, as in a float32
/// Hugging Face model; every sum (dot products, RMSNorm's mean square, softmax, attention's weighted values,
/// log-sum-exp) and every transcendental (exp, log, sqrt) runs in float64 and each output value is rounded to float32
/// once; rotary multiplies in float64 and rounds once; the logits stay float64 into the log-sum-exp. Weights are read
/// through <see cref="Tensor.ReadRow"/> (exact F16/BF16 widening). Sums run in a fixed order (index order, or the 8
/// fixed float64 lanes of <see cref="ReferenceLinear.Dot"/>), so the bits do not depend on thread count or machine
/// vector width; exp and log come from the platform library (the reference is a yardstick, jobs run
/// <see cref="FastForward"/>). Its own correctness is held to float64 PyTorch fixtures (FixtureNllTests).
/// </para>
/// </summary>
public sealed class ReferenceForward : IForwardPass
{
    /// <summary>Tokens per MLP / logits chunk: bounds the [chunk, intermediate] and [chunk, vocab] buffers.</summary>
    internal const int TokenChunk = 64;

    private readonly LlamaWeights _weights;
    private readonly ForwardPassOptions _options;

    public ReferenceForward(LlamaWeights weights, ForwardPassOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        _options = options ?? new ForwardPassOptions { Kind = ForwardPassKind.Reference };
        ForwardInputGuard.CheckOptions(_options);
        _weights = weights;
    }

    public LlamaWeights Weights => _weights;

    public void TokenNll(ReadOnlySpan<int> tokens, RopeTable rope, Span<double> nll, CancellationToken cancellationToken = default)
    {
        var config = _weights.Config;
        ForwardInputGuard.CheckForward(config, tokens, rope, nll.Length);
        int rows = tokens.Length;
        long widest = Math.Max(config.HiddenSize, Math.Max(config.QueryDim, config.KvDim));
        if (rows * widest > Array.MaxLength)
            throw new ArgumentException($"{rows} tokens × {widest} values exceed one array; the reference forward pass cannot run this length", nameof(tokens));

        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Threads, CancellationToken = cancellationToken };
        var x = Embed(tokens); // [L, hidden] residual stream
        var buffers = new LayerBuffers(config, rows);
        for (int li = 0; li < _weights.Layers.Length; li++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            AttentionBlock(_weights.Layers[li], config.AttentionWindow(li), x, rope, buffers, parallel);
            MlpBlock(_weights.Layers[li], x, buffers, parallel);
        }
        cancellationToken.ThrowIfCancellationRequested();
        Nll(x, tokens, nll, buffers, parallel);
    }

    /// <summary>
    /// Where this forward pass first produces a non-finite activation on <paramref name="tokens"/> ("layer 3
    /// (attention)", "the embedding", "the output (final norm, lm_head, softmax)"), or null when it produces none:
    /// the diagnosis of a non-finite score when the weights themselves are finite (an overflow).
    /// </summary>
    public string? FirstNonFinite(ReadOnlySpan<int> tokens, RopeTable rope)
    {
        var config = _weights.Config;
        ForwardInputGuard.CheckForward(config, tokens, rope, tokens.Length - 1);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = _options.Threads };
        var x = Embed(tokens);
        if (!AllFinite(x)) return "the embedding";
        var buffers = new LayerBuffers(config, tokens.Length);
        for (int li = 0; li < _weights.Layers.Length; li++)
        {
            AttentionBlock(_weights.Layers[li], config.AttentionWindow(li), x, rope, buffers, parallel);
            if (!AllFinite(x)) return $"layer {li} (attention)";
            MlpBlock(_weights.Layers[li], x, buffers, parallel);
            if (!AllFinite(x)) return $"layer {li} (MLP)";
        }
        var nll = new double[tokens.Length - 1];
        Nll(x, tokens, nll, buffers, parallel);
        return nll.All(double.IsFinite) ? null : "the output (final norm, lm_head, softmax)";
    }

    private static bool AllFinite(ReadOnlySpan<float> x)
    {
        foreach (var v in x) if (!float.IsFinite(v)) return false;
        return true;
    }

    /// <summary>Activations reused by every layer of one call.</summary>
    private sealed class LayerBuffers(ModelConfig c, int rows)
    {
        public int Rows { get; } = rows;
        public float[] Norm { get; } = new float[rows * c.HiddenSize];                     // [L, hidden]
        public float[] Q { get; } = new float[rows * c.QueryDim];                          // [L, heads·d]
        public float[] K { get; } = new float[rows * c.KvDim];                             // [L, kv_heads·d]
        public float[] V { get; } = new float[rows * c.KvDim];                             // [L, kv_heads·d]
        public float[] Attn { get; } = new float[rows * c.QueryDim];                       // [L, heads·d]
        public float[] Delta { get; } = new float[rows * c.HiddenSize];                    // [L, hidden] block output
        public float[] Gate { get; } = new float[TokenChunk * c.IntermediateSize];         // [chunk, intermediate]
        public float[] Up { get; } = new float[TokenChunk * c.IntermediateSize];           // [chunk, intermediate]
        public double[] Logits { get; } = new double[TokenChunk * c.VocabSize];            // [chunk, vocab]
    }

    private float[] Embed(ReadOnlySpan<int> tokens)
    {
        int hidden = _weights.Config.HiddenSize;
        var x = new float[tokens.Length * hidden]; // [L, hidden]
        for (int t = 0; t < tokens.Length; t++) _weights.Embed.ReadRow(tokens[t], x.AsSpan(t * hidden, hidden));
        return x;
    }

    /// <summary>x += o(attention(rope(q(n)), rope(k(n)), v(n))) with n = RMSNorm(x), over the layer's window (null: all earlier keys).</summary>
    private void AttentionBlock(LayerWeights layer, int? window, float[] x, RopeTable rope, LayerBuffers b, ParallelOptions parallel)
    {
        var c = _weights.Config;
        ReferenceOps.RmsNormRows(x, layer.InputNorm.ToFloatArray(), c.RmsNormEps, b.Rows, b.Norm);
        ReferenceLinear.Apply(layer.Q, layer.QBias, b.Norm, b.Rows, b.Q, parallel);
        ReferenceLinear.Apply(layer.K, layer.KBias, b.Norm, b.Rows, b.K, parallel);
        ReferenceLinear.Apply(layer.V, layer.VBias, b.Norm, b.Rows, b.V, parallel);
        ReferenceOps.RotateRows(b.Q, b.Rows, c.NumHeads, c.HeadDim, rope);
        ReferenceOps.RotateRows(b.K, b.Rows, c.NumKvHeads, c.HeadDim, rope);
        ReferenceAttention.Apply(b.Q, b.K, b.V, b.Rows, c.NumHeads, c.NumKvHeads, c.HeadDim, b.Attn, parallel, window);
        ReferenceLinear.Apply(layer.O, layer.OBias, b.Attn, b.Rows, b.Delta, parallel);
        AddInto(x, b.Delta);
    }

    /// <summary>x += down(silu(gate(n)) ⊙ up(n)) with n = RMSNorm(x), a chunk of tokens at a time.</summary>
    private void MlpBlock(LayerWeights layer, float[] x, LayerBuffers b, ParallelOptions parallel)
    {
        var c = _weights.Config;
        int hidden = c.HiddenSize, inter = c.IntermediateSize;
        ReferenceOps.RmsNormRows(x, layer.PostAttentionNorm.ToFloatArray(), c.RmsNormEps, b.Rows, b.Norm);
        for (int start = 0; start < b.Rows; start += TokenChunk)
        {
            int n = Math.Min(TokenChunk, b.Rows - start);
            var norm = b.Norm.AsMemory(start * hidden, n * hidden);    // [n, hidden]
            ReferenceLinear.Apply(layer.Gate, null, norm, n, b.Gate, parallel);
            ReferenceLinear.Apply(layer.Up, null, norm, n, b.Up, parallel);
            ReferenceOps.SiluGate(b.Gate.AsSpan(0, n * inter), b.Up.AsSpan(0, n * inter));
            ReferenceLinear.Apply(layer.Down, null, b.Gate, n, b.Delta.AsMemory(start * hidden, n * hidden), parallel);
        }
        AddInto(x, b.Delta);
    }

    /// <summary>nll[t] = logsumexp(logits_t) − logits_t[tokens[t+1]] for t &lt; L − 1, logits a chunk of rows at a time.</summary>
    private void Nll(float[] x, ReadOnlySpan<int> tokens, Span<double> nll, LayerBuffers b, ParallelOptions parallel)
    {
        var c = _weights.Config;
        int hidden = c.HiddenSize, vocab = c.VocabSize, predictions = b.Rows - 1;
        ReferenceOps.RmsNormRows(x, _weights.FinalNorm.ToFloatArray(), c.RmsNormEps, predictions, b.Norm);
        for (int start = 0; start < predictions; start += TokenChunk)
        {
            int n = Math.Min(TokenChunk, predictions - start);
            ReferenceLinear.ApplyDouble(_weights.LmHead, null, b.Norm.AsMemory(start * hidden, n * hidden), n, b.Logits, parallel);
            for (int i = 0; i < n; i++)
            {
                int t = start + i;
                nll[t] = ReferenceOps.Nll(b.Logits.AsSpan(i * vocab, vocab), tokens[t + 1]);
            }
        }
    }

    private static void AddInto(Span<float> x, ReadOnlySpan<float> delta)
    {
        for (int i = 0; i < x.Length; i++) x[i] += delta[i];
    }
}
