using System.Globalization;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Engine;

/// <summary>
/// A forward pass produced a non-finite NLL although every weight is finite (an overflow): the message says where
/// (layer and block), on which sample, under which factors. The CLI prints it as one line, exit 1.
/// </summary>
public sealed class NonFiniteScoreException : Exception
{
    public NonFiniteScoreException(string message) : base(message) { }
    public NonFiniteScoreException() { }
    public NonFiniteScoreException(string message, Exception inner) : base(message, inner) { }
}

/// <summary>Explains a NaN or ±Inf score: a non-finite weight (named by file and tensor) or the layer that overflowed.</summary>
public static class NonFiniteScore
{
    /// <summary>
    /// The exception that explains why <paramref name="result"/> is not finite: an InputException naming the
    /// checkpoint tensor that holds a NaN/Inf, else a <see cref="NonFiniteScoreException"/> naming the layer where
    /// the reference forward pass first produced one on the first such sample.
    /// </summary>
    /// <para>
    /// <paramref name="factorsSource"/> (a factor file, "--scale"): where the factors came from when a user gave
    /// them. If the unscaled model stays finite on the same sample, the factors are what overflows, and the
    /// InputException names that source (exit 2) instead of the model.
    /// </para>
    public static Exception Explain(ModelFolder model, SampleSet samples, FactorSet factors, EvalResult result, string what, int threads = 1,
        string? factorsSource = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(factors);
        ArgumentNullException.ThrowIfNull(result);
        if (NonFiniteWeights.Find(model) is { } bad) return bad.ToInputException();
        int sample = Array.FindIndex(result.PerSampleNll, v => !double.IsFinite(v));
        if (sample < 0) sample = 0;
        var value = sample < result.PerSampleNll.Length ? result.PerSampleNll[sample] : result.MeanNll;
        var config = model.Config;
        var tokens = samples.Samples[sample].Tokens;
        var rope = RopeTable.Build(factors, config.RopeTheta, config.RotaryDim, tokens.Length);
        var reference = new ReferenceForward(model.Weights, new ForwardPassOptions { Threads = Math.Max(1, threads) });
        var where = reference.FirstNonFinite(tokens, rope);
        if (factorsSource is not null)
        {
            // Blame the user's factors when the unscaled model is finite on this sample (reference pass), or when only
            // the fast pass overflows under them (a factor set the reader accepts but no model can run, e.g. an
            // attention factor of 1e30).
            var plain = RopeTable.Build(FactorSet.Identity(factors.Lambda.Count), config.RopeTheta, config.RotaryDim, tokens.Length);
            if (where is null || reference.FirstNonFinite(tokens, plain) is null)
                return new LongRopeSearch.Core.InputException(factorsSource, "", "factors under which the forward pass stays finite",
                    string.Create(CultureInfo.InvariantCulture, $"a non-finite NLL ({value}) on sample {sample} ({samples.Samples[sample].Document}), ") +
                    (where is null ? "in the fast forward pass (the reference pass stays finite)" : $"first in {where}, where the unscaled model is finite"));
        }
        var at = where is null ? "in the fast forward pass only (the reference pass stays finite on it)" : "first in " + where;
        return new NonFiniteScoreException(string.Create(CultureInfo.InvariantCulture,
            $"{what}: the forward pass produced a non-finite NLL ({value}) on sample {sample} ({samples.Samples[sample].Document}), {at}; every weight is finite, so this is an overflow under these factors"));
    }
}
