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
/// them: whole passes per call, prefix-step evaluations per sample). The scorer owns its forward pass (also one made by a fastFactory): Dispose releases the fast pass's worker
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
        int length = CheckSamples(samples, factors);
        var config = Weights.Config;
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

    /// <summary>
    /// Why <see cref="EvaluateInPrefixSteps"/> would replay its steps after whole-sequence passes at this length
    /// instead of evaluating prefixes, or null when it can step: the forward pass has no prefix evaluation (the
    /// reference pass), or keeping every layer's keys and values would exceed <see cref="ForwardPassOptions.MaxMemoryBytes"/>.
    /// A caller logs it once (e.g. per stage); each result also carries it (<see cref="EvalResult.PrefixFallback"/>).
    /// </summary>
    public string? PrefixSteppingUnavailable(int length)
    {
        const string Replay = "prefix steps are reported after each sample's whole-sequence pass, so stopping saves only the later samples";
        if (_forward is not IPrefixForwardPass stepper)
            return $"the {Options.Kind.ToString().ToLowerInvariant()} forward pass evaluates whole sequences only; {Replay}";
        if (Options.MaxMemoryBytes is long budget && stepper.PrefixEvaluationBytes(length) > budget)
            return $"a prefix evaluation of {length} tokens keeps the keys and values of all {Weights.Config.NumLayers} layers: " +
                $"{Mib(stepper.PrefixEvaluationBytes(length))} of activations, over the {Mib(budget)} memory budget " +
                $"(a whole-sequence pass needs {Mib(stepper.WholePassBytes(length))}); {Replay}";
        return null;
    }

    /// <inheritdoc cref="EvaluateInPrefixSteps(SampleSet, FactorSet, IReadOnlyList{int}, Func{PrefixStep, bool}?, IReadOnlyList{double[]}?, IProgress{EvalProgress}?, CancellationToken)"/>
    public EvalResult EvaluateInPrefixSteps(SampleSet samples, FactorSet factors, IReadOnlyList<int> stepEnds,
        Func<PrefixStep, bool>? continueAfterStep, IProgress<EvalProgress>? progress = null, CancellationToken ct = default) =>
        EvaluateInPrefixSteps(samples, factors, stepEnds, continueAfterStep, completedSamples: null, progress, ct);

    /// <summary>
    /// Scores the samples in order, each in prefix steps: positions [0, ends[0]) first, then [ends[0], ends[1]), … up
    /// to L − 1 (appended when missing), so a caller can stop a candidate on the loss of a prefix before paying for the
    /// rest of the sample (attention grows with P²). After every step <paramref name="continueAfterStep"/> gets the
    /// per-sample NLL sums and counts so far (<see cref="PrefixStep"/>); false stops there, and the result is
    /// <see cref="EvalResult.Abandoned"/> when anything remained. A completed evaluation equals
    /// <see cref="Evaluate(SampleSet, FactorSet, Func{int, IReadOnlyList{double}, bool}?, CancellationToken)"/>'s bit
    /// for bit (the same NLLs, summed in the same order); its <see cref="EvalResult.PrefixNllSums"/> are what later
    /// candidates are compared with. The rope table is built once for L.
    /// <para>
    /// Where prefix stepping is unavailable (<see cref="PrefixSteppingUnavailable"/>), each sample runs one
    /// whole-sequence pass and its steps are then reported in order with <see cref="PrefixStep.Deferred"/> set: the
    /// callback sees the same numbers and stops at the same step, so the result does not depend on the memory budget;
    /// only the work saved does. <paramref name="progress"/> hears after each step (tokens = rows done).
    /// </para>
    /// </summary>
    /// <param name="completedSamples">Samples 0..n−1 already evaluated by an interrupted run of the same candidate:
    /// for each, its NLL sum at every step end (as <see cref="EvalResult.PrefixNllSums"/> gives them). They are taken as
    /// they are (no forward pass, no callback: their steps were offered when they ran), so the result is the
    /// uninterrupted evaluation's, bit for bit.</param>
    public EvalResult EvaluateInPrefixSteps(SampleSet samples, FactorSet factors, IReadOnlyList<int> stepEnds,
        Func<PrefixStep, bool>? continueAfterStep, IReadOnlyList<double[]>? completedSamples, IProgress<EvalProgress>? progress = null,
        CancellationToken ct = default)
    {
        int length = CheckSamples(samples, factors);
        var ends = PrefixSchedule.Complete(stepEnds, length);
        var fallback = PrefixSteppingUnavailable(length);
        var stepper = fallback is null ? (IPrefixForwardPass)_forward : null;
        var config = Weights.Config;
        var clock = Stopwatch.StartNew();
        var rope = RopeTable.Build(factors, config.RopeTheta, config.RotaryDim, length);
        int count = samples.Samples.Count, positions = length - 1, samplesDone = 0;
        var nll = new double[positions];            // [L − 1] next-token NLLs of the current sample
        var sums = new double[count];               // [samples] Σ nll over each sample's positions done
        var counts = new int[count];                // [samples] positions done
        var prefixSums = new List<double[]>(count); // [samples started][steps reached]
        var perSample = new List<double>(count);
        bool stopped = false, abandoned = false;
        int first = completedSamples?.Count ?? 0;
        if (first >= count && count > 0) throw new ArgumentException($"{first} completed samples given for an evaluation of {count}", nameof(completedSamples));
        for (int i = 0; i < first; i++)
        {
            var done = completedSamples![i];
            if (done is null || done.Length != ends.Length)
                throw new ArgumentException($"completed sample {i} must hold a sum for each of the {ends.Length} step ends", nameof(completedSamples));
            (sums[i], counts[i]) = (done[^1], positions);
            prefixSums.Add((double[])done.Clone());
            perSample.Add(done[^1] / positions);
            samplesDone++;
        }
        for (int i = first; i < count && !stopped; i++)
        {
            ct.ThrowIfCancellationRequested();
            var tokens = samples.Samples[i].Tokens;
            using var evaluation = stepper?.BeginSample(tokens, rope);
            if (evaluation is null) _forward.TokenNll(tokens, rope, nll, ct);
            var reached = new List<double>(ends.Length);
            double sum = 0;
            int position = 0;
            for (int k = 0; k < ends.Length; k++)
            {
                evaluation?.Advance(ends[k], nll, ct);
                for (; position < ends[k]; position++) sum += nll[position]; // position order, as Mean sums
                (sums[i], counts[i]) = (sum, position);
                reached.Add(sum);
                if (position == positions)
                {
                    perSample.Add(sum / positions);
                    samplesDone++;
                }
                progress?.Report(new EvalProgress(samplesDone, count, (long)i * length + position + (position == positions ? 1 : 0),
                    (long)count * length, clock.Elapsed));
                var step = new PrefixStep(i, k, position, positions, samplesDone, count,
                    new ArraySegment<double>(sums, 0, i + 1), new ArraySegment<int>(counts, 0, i + 1), Deferred: evaluation is null);
                if (continueAfterStep is not null && !continueAfterStep(step))
                {
                    stopped = true;
                    abandoned = position < positions || i + 1 < count;
                    break;
                }
            }
            prefixSums.Add(reached.ToArray());
        }
        clock.Stop();
        double mean = perSample.Count > 0 ? Mean(perSample) : sums[0] / counts[0];
        return new EvalResult(length, perSample.ToArray(), mean, abandoned, clock.Elapsed.TotalSeconds)
        {
            PrefixEnds = ends,
            PrefixNllSums = prefixSums,
            PrefixFallback = fallback,
        };
    }

    /// <summary>The checks every evaluation makes; returns L.</summary>
    private int CheckSamples(SampleSet samples, FactorSet factors)
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
        return length;
    }

    private static string Mib(long bytes) => (bytes / 1048576.0).ToString("0.#", CultureInfo.InvariantCulture) + " MiB";

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
