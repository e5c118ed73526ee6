using System.Collections.Concurrent;
using LLama;
using LLama.Common;
using LLama.Native;

namespace LongRopeSearch.Gguf.Tests;

/// <summary>
/// llama.cpp in-process (LLamaSharp 0.30.0, which bundles llama.cpp c0c7e147): loads a GGUF and computes the
/// next-token NLL of a sequence from llama.cpp's own logits. Set up for a faithful float32 run: a context of exactly
/// the sequence length (which also decides llama.cpp's choice of long or short rope factors), one batch and ubatch
/// holding the whole sequence with logits for every position, an F32 KV cache (the default F16 cache would round
/// every key and value), flash attention off, no GPU, two threads.
/// </summary>
public static class LlamaCpp
{
    private static readonly ConcurrentQueue<string> Log = new();
    private static readonly object Gate = new();
    private static bool _configured;

    /// <summary>llama.cpp's log lines so far (model loading, context parameters), for diagnostics.</summary>
    public static IReadOnlyList<string> LogLines => Log.ToArray();

    private static void Configure()
    {
        lock (Gate)
        {
            if (_configured) return;
            // Before the native library loads: keep llama.cpp's chatter out of the test output but inspectable.
            NativeLibraryConfig.All.WithLogCallback((level, message) => Log.Enqueue($"{level}: {message.TrimEnd()}"));
            _configured = true;
        }
    }

    public sealed record Run(double[] Nll, int ContextSize, int VocabSize)
    {
        /// <summary>Mean NLL over the L − 1 predictions, summed in order in float64.</summary>
        public double MeanNll => Nll.Sum() / Nll.Length;
    }

    /// <summary>nll[t] = −log p(tokens[t+1] | tokens[..t]) from llama.cpp's logits, computed in float64.</summary>
    public static Run TokenNll(string gguf, int[] tokens, uint? contextSize = null)
    {
        Configure();
        uint n = contextSize ?? (uint)tokens.Length;
        var p = new ModelParams(gguf)
        {
            ContextSize = n,
            BatchSize = (uint)tokens.Length,
            UBatchSize = (uint)tokens.Length,
            SeqMax = 1,
            Threads = 2,
            BatchThreads = 2,
            GpuLayerCount = 0,
            TypeK = GGMLType.GGML_TYPE_F32,
            TypeV = GGMLType.GGML_TYPE_F32,
            FlashAttention = false,
        };
        using var weights = LLamaWeights.LoadFromFile(p);
        using var ctx = weights.CreateContext(p);
        int vocab = weights.Vocab.Count;

        var batch = new LLamaBatch();
        for (int i = 0; i < tokens.Length; i++) batch.Add(tokens[i], i, LLamaSeqId.Zero, true);
        var result = ctx.NativeHandle.Decode(batch);
        if (result != DecodeResult.Ok) throw new InvalidOperationException($"llama_decode returned {result}");

        var nll = new double[tokens.Length - 1]; // [L − 1]
        for (int t = 0; t < tokens.Length - 1; t++)
        {
            var logits = ctx.NativeHandle.GetLogitsIth(t); // [vocab] float32
            double max = double.NegativeInfinity;
            foreach (var l in logits) max = Math.Max(max, l);
            double sum = 0;
            foreach (var l in logits) sum += Math.Exp(l - max);
            nll[t] = Math.Log(sum) + max - logits[tokens[t + 1]];
        }
        return new Run(nll, (int)ctx.ContextSize, vocab);
    }

    /// <summary>Loads only the vocabulary and hands it to <paramref name="use"/>.</summary>
    public static T WithVocabulary<T>(string gguf, Func<LLamaWeights, T> use)
    {
        Configure();
        var p = new ModelParams(gguf) { VocabOnly = true, GpuLayerCount = 0 };
        using var weights = LLamaWeights.LoadFromFile(p);
        return use(weights);
    }
}
