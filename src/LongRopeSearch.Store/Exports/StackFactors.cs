using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Store.Exports;

/// <summary>
/// The factor sets an inference-stack export (hf config.json, GGUF) writes, and where the stacks switch between them.
/// <para>
/// Every stack read (transformers, vLLM, llama.cpp; docs/exports.md) uses <c>short_factor</c> for sequences (or
/// contexts) up to one switch point, <c>original_max_position_embeddings</c> / <c>rope.scaling.original_context_length</c>,
/// and <c>long_factor</c> beyond it. The search scores the short factors at their own length Ls (LongRoPE searches
/// them at 2·L0 or 8k for a 4k model) and the long factors at the target L. So the switch point is written as
/// <see cref="SwitchLength"/> = max(L0, Ls): the short factors then run exactly where they were scored (and on every
/// shorter sequence), the long ones everywhere above it, and both stages' reported perplexities are reproduced by a
/// stack at their lengths. The stacks' default attention factor is computed from that field
/// (√(1 + ln(max/switch) / ln switch)), which is no longer the searched one, so the exports always write the
/// attention factor explicitly (<see cref="AttentionFactor"/>, one for both sets, as the search scored both).
/// </para>
/// </summary>
public sealed record StackFactors
{
    /// <summary>The long factors (n̂ must be 0 for a stack, see the exporters).</summary>
    public required FactorSet Long { get; init; }

    /// <summary>The short factors, or null: the stacks then get all ones (still times the attention factor).</summary>
    public FactorSet? Short { get; init; }

    /// <summary>L0, the context the model was trained at (what "8x" means, and what the search used).</summary>
    public required int OriginalLength { get; init; }

    /// <summary>L, the length the long factors were searched for: the exported max_position_embeddings / context_length.</summary>
    public required int TargetLength { get; init; }

    /// <summary>Ls, the length the short factors were scored at (null without short factors).</summary>
    public int? ShortLength { get; init; }

    /// <summary>Where the factors come from (a job directory, a best file), for messages.</summary>
    public string Source { get; init; } = "factor set";

    /// <summary>The switch point written for the stacks: max(L0, Ls) with short factors, L0 without.</summary>
    public int SwitchLength => Short is not null && ShortLength is { } ls ? Math.Max(OriginalLength, ls) : OriginalLength;

    /// <summary>The one attention factor the stacks apply to both sets: the long set's.</summary>
    public double AttentionFactor => Long.AttentionFactor;

    /// <summary>
    /// Refuses a shape no stack can run: lengths out of order (the long factors must apply beyond the switch point).
    /// n̂ is checked by each exporter, which knows whether it may drop it.
    /// </summary>
    public void Validate()
    {
        if (OriginalLength < 2)
            throw new InputException(Source, "original_length", "an integer ≥ 2", OriginalLength.ToString(CultureInfo.InvariantCulture));
        if (Short is not null && Short.Pairs != Long.Pairs)
            throw new InputException(Source, "short factors", $"{Long.Pairs} factors like the long set", Short.Pairs.ToString(CultureInfo.InvariantCulture));
        if (TargetLength <= SwitchLength)
        {
            var why = SwitchLength == OriginalLength
                ? $"a length above the trained context L0 = {OriginalLength} (the long factors apply only beyond it)"
                : $"a length above {SwitchLength}, the length the short factors were searched at, which is where the stacks switch to the long factors";
            throw new InputException(Source, "target", why, TargetLength.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>
    /// The warning an export gives without short factors: the short side is plain RoPE frequencies, but not the
    /// unmodified model, because every stack still multiplies cos/sin by the attention factor there.
    /// </summary>
    public string NoShortFactorsWarning(string shortField) => string.Create(CultureInfo.InvariantCulture,
        $"no short factors in {Source}: {shortField} is all ones, so sequences of up to {SwitchLength} tokens run the original frequencies, with cos/sin still multiplied by the attention factor {AttentionFactor:0.######} (every stack applies it to both factor sets; the unscaled model would use 1)");

    /// <summary>The warning when the short set was scored with another attention factor than the long one (or null).</summary>
    public string? AttentionFactorMismatchWarning() =>
        Short is { } s && s.AttentionFactor != Long.AttentionFactor
            ? string.Create(CultureInfo.InvariantCulture,
                $"{Source}: the stacks apply one attention factor to both factor sets: the short set's {s.AttentionFactor:0.######} (its search used it) is replaced by the long set's {Long.AttentionFactor:0.######}")
            : null;
}
