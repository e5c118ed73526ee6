using LongRopeSearch.Rope;

namespace LongRopeSearch.Engine;

/// <summary>
/// A forward pass that can also evaluate one sequence in prefix segments (<see cref="BeginSample"/>): the NLLs of
/// positions [0, P₁) first, then [P₁, P₂), …, each continuation doing only the new rows' work. A causal model's loss at
/// position p depends only on tokens ≤ p + 1, so a candidate can be judged on a prefix before the rest is paid for.
/// A completed segmented evaluation gives the same NLL bits as <see cref="IForwardPass.TokenNll"/>, whatever the
/// segment boundaries (docs/DESIGN.md, "Prefix evaluation"). The price is memory: every layer's keys and values stay
/// until the sample ends (<see cref="PrefixEvaluationBytes"/> against <see cref="WholePassBytes"/>), still linear in L.
/// </summary>
public interface IPrefixForwardPass : IForwardPass
{
    /// <summary>
    /// Starts a segmented evaluation of <paramref name="tokens"/> (L tokens, L − 1 positions) under
    /// <paramref name="rope"/> (built once for L and reused by every segment). One evaluation at a time per forward
    /// pass: other threads' calls wait until it is disposed; the thread holding it must dispose it before beginning
    /// another or calling <see cref="IForwardPass.TokenNll"/> (refused with InvalidOperationException).
    /// </summary>
    IPrefixEvaluation BeginSample(ReadOnlySpan<int> tokens, RopeTable rope);

    /// <summary>Activation bytes a segmented evaluation of <paramref name="length"/> tokens holds (keys and values of every layer, the segment's rows, fixed chunk buffers; not the weights nor a cache with its own budget).</summary>
    long PrefixEvaluationBytes(int length);

    /// <summary>Activation bytes a whole-sequence pass over <paramref name="length"/> tokens holds, counted the same way.</summary>
    long WholePassBytes(int length);
}
