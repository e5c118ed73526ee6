using System.Diagnostics;
using LongRopeSearch.Engine;
using LongRopeSearch.Model;

namespace LongRopeSearch.Jobs;

/// <summary>
/// The resident memory of a process evaluating one candidate at length L, linear in L:
/// <c>base + weights + activations(L) + layer-0 cache</c>. Base is the process measured before the weights are
/// touched (runtime, inputs); weights are every tensor's bytes (memory-mapped, all read by a pass); the layer-0 cache
/// holds L·(q_dim + 2·kv_dim) floats per sample re-scored, up to its budget (<see cref="ForwardPassOptions.Layer0CacheBytes"/>).
/// Activations depend on the mode: a search evaluation runs in prefix steps and keeps every layer's keys and values
/// (<see cref="IPrefixForwardPass.PrefixEvaluationBytes"/>: layers·L·2·kv_dim floats, one segment's rows, fixed chunk
/// buffers), with or without prefix-first abandon (without it, one step per sample); a validation pass is a
/// whole-sequence pass (<see cref="IPrefixForwardPass.WholePassBytes"/>: residual stream and queries of all L rows,
/// one layer's keys and values, fixed chunk buffers).
/// </summary>
public sealed class MemoryModel
{
    private readonly Func<int, long> _activations;
    private readonly Func<int, long> _prefixActivations;

    private MemoryModel(ModelConfig config, long baseBytes, long weightBytes, long cacheBudget, Func<int, long> activations, Func<int, long> prefixActivations)
    {
        Config = config;
        BaseBytes = baseBytes;
        WeightBytes = weightBytes;
        CacheBudgetBytes = cacheBudget;
        _activations = activations;
        _prefixActivations = prefixActivations;
    }

    public ModelConfig Config { get; }
    public long BaseBytes { get; }
    public long WeightBytes { get; }
    public long CacheBudgetBytes { get; }

    /// <summary>The model of <paramref name="engine"/>'s process; <paramref name="baseBytes"/> measured before it ran.</summary>
    public static MemoryModel For(JobEngine engine, long baseBytes)
    {
        ArgumentNullException.ThrowIfNull(engine);
        var weights = engine.Model.Weights;
        var pass = engine.Evaluator.ForwardPass as IPrefixForwardPass
            ?? throw new InvalidOperationException("the plan's memory model needs the fast forward pass");
        return new MemoryModel(weights.Config, baseBytes, WeightBytesOf(weights), engine.Evaluator.Options.Layer0CacheBytes, pass.WholePassBytes, pass.PrefixEvaluationBytes);
    }

    /// <summary>The resident set of this process now (before a run: the base).</summary>
    public static long CurrentResidentBytes()
    {
        using var p = Process.GetCurrentProcess();
        return p.WorkingSet64;
    }

    /// <summary>Activation bytes of a whole-sequence pass (validation, calibration) at <paramref name="length"/>.</summary>
    public long ActivationBytes(int length) => _activations(length);

    /// <summary>Activation bytes of a search evaluation at <paramref name="length"/>: every layer's keys and values kept between prefix steps.</summary>
    public long PrefixEvaluationBytes(int length) => _prefixActivations(length);

    /// <summary>Layer-0 cache bytes of <paramref name="samples"/> samples of <paramref name="length"/> tokens, within the budget.</summary>
    public long CacheBytes(int length, int samples) =>
        Math.Min(CacheBudgetBytes, (long)samples * length * (Config.QueryDim + 2L * Config.KvDim) * sizeof(float));

    /// <summary>Base + weights + a whole pass's activations at <paramref name="length"/> + <paramref name="cacheBytes"/>.</summary>
    public long ResidentBytes(int length, long cacheBytes) => BaseBytes + WeightBytes + ActivationBytes(length) + cacheBytes;

    /// <summary>Base + weights + a search evaluation's activations at <paramref name="length"/> (every layer's K/V) + <paramref name="cacheBytes"/>.</summary>
    public long SearchResidentBytes(int length, long cacheBytes) => BaseBytes + WeightBytes + PrefixEvaluationBytes(length) + cacheBytes;

    /// <summary>Bytes of every distinct tensor (by data address: a tied lm head counts once).</summary>
    public static unsafe long WeightBytesOf(LlamaWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var bytes = new Dictionary<nint, long>();
        void Add(Tensor? t)
        {
            if (t is null) return;
            bytes[(nint)t.Data] = Math.Max(bytes.GetValueOrDefault((nint)t.Data), t.ByteLength);
        }
        Add(weights.Embed);
        Add(weights.FinalNorm);
        Add(weights.LmHead);
        foreach (var l in weights.Layers)
            foreach (var t in new[] { l.InputNorm, l.Q, l.K, l.V, l.O, l.QBias, l.KBias, l.VBias, l.OBias, l.PostAttentionNorm, l.Gate, l.Up, l.Down })
                Add(t);
        return bytes.Values.Sum();
    }
}
