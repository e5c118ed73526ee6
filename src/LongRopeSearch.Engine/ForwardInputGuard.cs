using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Engine;

/// <summary>
/// The checks every forward pass makes before touching weights, in one place so the reference and the fast pass
/// refuse exactly the same inputs with the same messages.
/// </summary>
public static class ForwardInputGuard
{
    /// <summary>Throws unless <paramref name="options"/> can drive a forward pass (at least one thread).</summary>
    public static void CheckOptions(ForwardPassOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Threads < 1)
            throw new InputException("forward pass options", "threads", "an integer ≥ 1", options.Threads.ToString(CultureInfo.InvariantCulture));
        if (options.MaxMemoryBytes is <= 0)
            throw new InputException("forward pass options", "max memory", "a positive number of bytes", options.MaxMemoryBytes.Value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Throws unless a factor set has one λ per rotary pair of the model.</summary>
    public static void CheckFactors(ModelConfig config, FactorSet factors, string source = "factor set")
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(factors);
        if (factors.Pairs != config.RotaryPairs)
            throw new InputException(source, "factors",
                config.RotaryDim == config.HeadDim
                    ? $"{config.RotaryPairs} factors (head_dim {config.HeadDim} / 2 of {config.SourcePath})"
                    : $"{config.RotaryPairs} factors (rotary dim {config.RotaryDim} = head_dim {config.HeadDim} × partial_rotary_factor, / 2, of {config.SourcePath})",
                factors.Pairs.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Throws unless a sequence of <paramref name="length"/> tokens can be scored: at least 2 tokens (one prediction).
    /// A sequence longer than a sliding window is scored with the window, as the model attends.
    /// </summary>
    public static void CheckLength(ModelConfig config, int length, string source = "tokens")
    {
        ArgumentNullException.ThrowIfNull(config);
        if (length < 2)
            throw new InputException(source, "length", "at least 2 tokens (one next-token prediction)", length.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>Throws unless every id indexes the vocabulary.</summary>
    public static void CheckTokenIds(ModelConfig config, ReadOnlySpan<int> tokens, string source = "tokens")
    {
        ArgumentNullException.ThrowIfNull(config);
        for (int t = 0; t < tokens.Length; t++)
        {
            if ((uint)tokens[t] >= (uint)config.VocabSize)
                throw new InputException(source, $"tokens[{t}]", $"a token id in [0, {config.VocabSize})",
                    tokens[t].ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// Everything <see cref="IForwardPass.TokenNll"/> requires: valid length and ids, a rope table long enough and with
    /// one column per rotary pair, and room for L − 1 results.
    /// </summary>
    public static void CheckForward(ModelConfig config, ReadOnlySpan<int> tokens, RopeTable rope, int nllLength)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(rope);
        CheckLength(config, tokens.Length);
        CheckTokenIds(config, tokens);
        if (rope.Pairs != config.RotaryPairs)
            throw new ArgumentException($"rope table has {rope.Pairs} pairs, the model has {config.RotaryPairs}", nameof(rope));
        if (rope.Length < tokens.Length)
            throw new ArgumentException($"rope table covers {rope.Length} positions, the sequence has {tokens.Length}", nameof(rope));
        if (nllLength < tokens.Length - 1)
            throw new ArgumentException($"nll holds {nllLength} values, {tokens.Length - 1} are needed", nameof(nllLength));
    }
}
