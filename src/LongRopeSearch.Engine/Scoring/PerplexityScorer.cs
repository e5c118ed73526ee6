using System.Diagnostics;
using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Engine;

/// <summary>
/// The scorer: perplexity of a model under a factor set. One rope table per (factor set, length), each sample's
/// next-token NLLs from the forward pass, per-sample mean NLL, mean over samples — all sums in float64, in sample and
/// token order, so the result is a pure function of (weights, samples, factors). The scorer keeps no state between
/// calls; concurrent calls are as safe as the forward pass's TokenNll (the reference pass's is; the fast one serializes
/// them). The scorer owns its forward pass (also one made by a fastFactory): Dispose releases the fast pass's worker
/// threads and buffers.
/// </summary>
public sealed class PerplexityScorer : IDisposable
{
    private readonly IForwardPass _forward;

    /// <param name="fastFactory">
    /// Builds the forward pass when <paramref name="options"/> asks for <see cref="ForwardPassKind.Fast"/>; null uses
    /// <see cref="ForwardPassFactory"/>. <see cref="ForwardPassKind.Reference"/> always uses <see cref="ReferenceForward"/>.
    /// </param>
    public PerplexityScorer(LlamaWeights weights, ForwardPassOptions options, Func<LlamaWeights, ForwardPassOptions, IForwardPass>? fastFactory = null)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ForwardInputGuard.CheckOptions(options);
        Weights = weights;
        Options = options;
        _forward = options.Kind == ForwardPassKind.Fast && fastFactory is not null
            ? fastFactory(weights, options)
            : ForwardPassFactory.Create(weights, options);
    }

    public LlamaWeights Weights { get; }
    public ForwardPassOptions Options { get; }

    /// <summary>The forward pass in use (its concrete type tells which one resolved).</summary>
    public IForwardPass ForwardPass => _forward;

    /// <inheritdoc cref="Evaluate(SampleSet, FactorSet, Func{int, IReadOnlyList{double}, bool}?, CancellationToken, IProgress{EvalProgress}?)"/>
    public EvalResult Evaluate(SampleSet samples, FactorSet factors, Func<int, IReadOnlyList<double>, bool>? continueAfterSample = null, CancellationToken ct = default) =>
        Evaluate(samples, factors, continueAfterSample, ct, progress: null);

    /// <summary>
    /// Scores every sample in order. After each one, <paramref name="continueAfterSample"/> gets (samples done,
    /// per-sample NLLs so far); returning false stops there and, if samples remained, marks the result
    /// <see cref="EvalResult.Abandoned"/> with the mean over the samples done. <paramref name="progress"/> hears
    /// after each sample.
    /// </summary>
    public EvalResult Evaluate(SampleSet samples, FactorSet factors, Func<int, IReadOnlyList<double>, bool>? continueAfterSample,
        CancellationToken ct, IProgress<EvalProgress>? progress) =>
        Run(samples, factors, continueAfterSample, progress, sampleTokens: null, ct);

    /// <summary>
    /// <see cref="Evaluate(SampleSet, FactorSet, Func{int, IReadOnlyList{double}, bool}?, CancellationToken)"/> over
    /// all samples that also hands each sample's next-token NLLs to <paramref name="sampleTokens"/> (sample index,
    /// a fresh array of L − 1 values): per-position curves, and fixture checks, without a second forward pass.
    /// </summary>
    public EvalResult EvaluateTokens(SampleSet samples, FactorSet factors, Action<int, double[]> sampleTokens, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(sampleTokens);
        return Run(samples, factors, continueAfterSample: null, progress: null, sampleTokens, ct);
    }

    private EvalResult Run(SampleSet samples, FactorSet factors, Func<int, IReadOnlyList<double>, bool>? continueAfterSample,
        IProgress<EvalProgress>? progress, Action<int, double[]>? sampleTokens, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var config = Weights.Config;
        ForwardInputGuard.CheckFactors(config, factors);
        int length = samples.Length;
        ForwardInputGuard.CheckLength(config, length, samples.Source);
        if (samples.Samples.Count == 0)
            throw new InputException(samples.Source, "samples", $"at least one document with {length} tokens", "none");
        foreach (var s in samples.Samples)
        {
            if (s.Tokens.Length != length)
                throw new InputException(s.Document, "tokens", $"{length} tokens", s.Tokens.Length.ToString(CultureInfo.InvariantCulture));
            ForwardInputGuard.CheckTokenIds(config, s.Tokens, s.Document);
        }

        var clock = Stopwatch.StartNew();
        var rope = RopeTable.Build(factors, config.RopeTheta, config.RotaryDim, length);
        var perSample = new List<double>(samples.Samples.Count);
        var nll = new double[length - 1]; // [L − 1] next-token NLLs of the current sample
        bool abandoned = false;
        for (int i = 0; i < samples.Samples.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            _forward.TokenNll(samples.Samples[i].Tokens, rope, nll, ct);
            perSample.Add(Mean(nll));
            sampleTokens?.Invoke(i, (double[])nll.Clone());
            progress?.Report(new EvalProgress(i + 1, samples.Samples.Count, (long)(i + 1) * length,
                (long)samples.Samples.Count * length, clock.Elapsed));
            if (continueAfterSample is not null && !continueAfterSample(i + 1, perSample.AsReadOnly()))
            {
                abandoned = i + 1 < samples.Samples.Count;
                break;
            }
        }
        clock.Stop();
        return new EvalResult(length, perSample.ToArray(), Mean(perSample), abandoned, clock.Elapsed.TotalSeconds);
    }

    /// <summary>nll[t] = −log p(tokens[t+1] | tokens[..t]) for t &lt; L − 1 under <paramref name="factors"/>.</summary>
    public double[] TokenNll(int[] tokens, FactorSet factors, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var config = Weights.Config;
        ForwardInputGuard.CheckFactors(config, factors);
        ForwardInputGuard.CheckLength(config, tokens.Length);
        var rope = RopeTable.Build(factors, config.RopeTheta, config.RotaryDim, tokens.Length);
        var nll = new double[tokens.Length - 1];
        _forward.TokenNll(tokens, rope, nll, ct);
        return nll;
    }

    public void Dispose() => (_forward as IDisposable)?.Dispose();

    /// <summary>Arithmetic mean in float64, summed in order.</summary>
    private static double Mean(IReadOnlyList<double> values)
    {
        double sum = 0;
        for (int i = 0; i < values.Count; i++) sum += values[i];
        return sum / values.Count;
    }
}
