using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Core;
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

    public static Option<string?> MaxMemory() => new("--max-memory")
    {
        Description = "Activation memory budget of the engine (e.g. 2G, 512M, bytes): prefix evaluation keeps every layer's keys and values and falls back to whole-sequence passes above it.",
    };

    public static Option<int> PrefixSteps(int defaultSteps) => new("--prefix-steps")
    {
        Description = "Evaluate each sample in this many prefix steps, keeping every layer's keys and values (0: whole-sequence passes).",
        DefaultValueFactory = _ => defaultSteps,
    };

    /// <summary>"2G", "512M", "64K", "1.5GiB" (binary units) or a plain number of bytes; null stays null.</summary>
    public static long? ParseBytes(string? text, string option)
    {
        if (text is null) return null;
        var t = text.Trim().ToUpperInvariant();
        if (t.EndsWith("IB", StringComparison.Ordinal)) t = t[..^2];
        else if (t.EndsWith('B')) t = t[..^1];
        int shift = t.Length == 0 ? 0 : t[^1] switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        if (shift > 0) t = t[..^1];
        if (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !(value > 0) || value * Math.Pow(2, shift) > long.MaxValue)
            throw new InputException(option, "", "a positive size such as 2G, 512M or a number of bytes", text);
        return (long)(value * Math.Pow(2, shift));
    }

    /// <summary>Parses "256,1024,2048" or "8x,16x" (multiples of <paramref name="originalLength"/>).</summary>
    public static int[] ParseLengths(string text, string option, int originalLength) => LengthText.ParseList(text, option, originalLength);
}
