using LongRopeSearch.Model;

namespace LongRopeSearch.Engine;

/// <summary>Builds the forward pass named by <see cref="ForwardPassOptions.Kind"/>.</summary>
public static class ForwardPassFactory
{
    /// <summary>
    /// <see cref="ForwardPassKind.Reference"/> → <see cref="ReferenceForward"/>; <see cref="ForwardPassKind.Fast"/> →
    /// <see cref="FastForward"/> at this machine's widest SIMD level (the bits are the same at every level).
    /// </summary>
    public static IForwardPass Create(LlamaWeights weights, ForwardPassOptions options)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ForwardInputGuard.CheckOptions(options);
        return options.Kind switch
        {
            ForwardPassKind.Reference => new ReferenceForward(weights, options),
            ForwardPassKind.Fast => new FastForward(weights, options),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "unknown forward pass kind"),
        };
    }
}
