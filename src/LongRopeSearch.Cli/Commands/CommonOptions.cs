using System.CommandLine;
using LongRopeSearch.Jobs;

namespace LongRopeSearch.Cli.Commands;

/// <summary>Options several verbs share, with defaults pointing at what ships in the repository.</summary>
internal static class CommonOptions
{
    public const string DefaultModel = "models/tiny-brown";
    public const string DefaultSearchData = "datasets/search";
    public const string DefaultValidationData = "datasets/validation";
    public const string DefaultSpace = "search-spaces/tiny-brown.json";

    public static Option<string> Model() => new("--model") { Description = "Model folder (config.json + *.safetensors).", DefaultValueFactory = _ => DefaultModel };

    public static Option<string> Engine() => new("--engine") { Description = "fast (SIMD, all cores) or reference (plain loops).", DefaultValueFactory = _ => "fast" };

    public static Option<int> Threads() => new("--threads") { Description = "Worker threads for the fast engine.", DefaultValueFactory = _ => Environment.ProcessorCount };

    /// <summary>Parses "256,1024,2048" or "8x,16x" (multiples of <paramref name="originalLength"/>).</summary>
    public static int[] ParseLengths(string text, string option, int originalLength) => LengthText.ParseList(text, option, originalLength);
}
