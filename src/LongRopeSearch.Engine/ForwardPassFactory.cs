using LongRopeSearch.Model;

namespace LongRopeSearch.Engine;

/// <summary>Picks the forward implementation named by <see cref="EngineOptions.Kind"/>.</summary>
public static class ForwardPassFactory
{
    /// <summary>
    /// <see cref="EngineKind.Reference"/> → <see cref="ReferenceForward"/>; <see cref="EngineKind.Fast"/> →
    /// <c>new FastForward(weights, options)</c> (the kernels' engine, FastForward.cs).
    /// </summary>
    public static IForwardPass Create(LlamaWeights weights, EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ForwardInputGuard.CheckOptions(options);
        return options.Kind switch
        {
            EngineKind.Reference => new ReferenceForward(weights, options),
            EngineKind.Fast => new FastForward(weights, options),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Kind, "unknown engine kind"),
        };
    }
}
