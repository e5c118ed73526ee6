using LongRopeSearch.Model;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Engine;

/// <summary>
/// PLACEHOLDER until the kernels' fast engine lands: delegates to <see cref="ReferenceForward"/>.
/// The real FastForward replaces this file and must keep the constructor (LlamaWeights, EngineOptions) that
/// <see cref="ForwardPassFactory"/> calls.
/// </summary>
public sealed class FastForward : IForwardPass
{
    private readonly ReferenceForward _reference;

    public FastForward(LlamaWeights weights, EngineOptions options) => _reference = new ReferenceForward(weights, options);

    public void TokenNll(ReadOnlySpan<int> tokens, RopeTable rope, Span<double> nll, CancellationToken cancellationToken = default) =>
        _reference.TokenNll(tokens, rope, nll, cancellationToken);
}
