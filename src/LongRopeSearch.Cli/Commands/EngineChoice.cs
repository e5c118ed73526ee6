using LongRopeSearch.Core;
using LongRopeSearch.Engine;

namespace LongRopeSearch.Cli.Commands;

internal static class EngineChoice
{
    public static EngineOptions Parse(string kind, int threads)
    {
        var k = kind.ToLowerInvariant() switch
        {
            "fast" => EngineKind.Fast,
            "reference" => EngineKind.Reference,
            _ => throw new InputException("--engine", "", "fast or reference", kind),
        };
        if (threads < 1) throw new InputException("--threads", "", "an integer ≥ 1", threads.ToString());
        return new EngineOptions { Kind = k, Threads = threads };
    }
}
