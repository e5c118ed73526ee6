using LongRopeSearch.Core;
using LongRopeSearch.Engine;

namespace LongRopeSearch.Cli.Commands;

/// <summary>The --engine and --threads options as the forward pass they choose.</summary>
internal static class EngineChoice
{
    public static ForwardPassOptions Parse(string kind, int threads)
    {
        var k = kind.ToLowerInvariant() switch
        {
            "fast" => ForwardPassKind.Fast,
            "reference" => ForwardPassKind.Reference,
            _ => throw new InputException("--engine", "", "fast or reference", kind),
        };
        if (threads < 1) throw new InputException("--threads", "", "an integer ≥ 1", threads.ToString());
        return new ForwardPassOptions { Kind = k, Threads = threads };
    }
}
