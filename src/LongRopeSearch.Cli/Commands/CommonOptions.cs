using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Cli.Commands;

/// <summary>Options several verbs share, with defaults pointing at what ships in the repository.</summary>
internal static class CommonOptions
{
    public const string DefaultModel = "checkpoints/tiny-brown";
    public const string DefaultSearchData = "datasets/search";
    public const string DefaultValidationData = "datasets/validation";
    public const string DefaultSpace = "search-spaces/tiny-brown.json";

    public static Option<string> Model() => new("--model") { Description = "Checkpoint directory (config.json + *.safetensors).", DefaultValueFactory = _ => DefaultModel };

    public static Option<string> Engine() => new("--engine") { Description = "fast (SIMD, all cores) or reference (plain loops).", DefaultValueFactory = _ => "fast" };

    public static Option<int> Threads() => new("--threads") { Description = "Worker threads for the fast engine.", DefaultValueFactory = _ => Environment.ProcessorCount };

    /// <summary>Parses "256,1024,2048" or "8x,16x" (multiples of <paramref name="originalLength"/>).</summary>
    public static int[] ParseLengths(string text, string option, int originalLength)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new InputException(option, "", "a comma-separated list of lengths, e.g. 2048,4096 or 8x,16x", text);
        var result = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            var p = parts[i];
            long value;
            if (p.EndsWith('x') && double.TryParse(p[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var mult) && mult > 0)
                value = (long)Math.Round(mult * originalLength);
            else if (!long.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out value))
                throw new InputException(option, "", "integers (tokens) or multiples of the trained context such as 8x", p);
            if (value < 2 || value > int.MaxValue) throw new InputException(option, "", "lengths ≥ 2 tokens", p);
            result[i] = (int)value;
        }
        return result;
    }
}
