using System.Diagnostics;
using System.Text.Json.Nodes;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>
/// Results do not depend on the machine: `longrope eval --json` in child processes whose .NET runtime is told to use
/// fewer instruction sets gives the same per-sample NLL bits. Each run also reports the SIMD level it actually ran at
/// (through `bench`'s JSON), so the test fails unless at least two real hardware paths were compared: on this machine
/// class Vector256 (default, and DOTNET_EnableAVX512=0) against Scalar (AVX2 off, and all intrinsics off); on an
/// AVX-512 machine Vector512 as well. Before the fixed lane order these runs differed by about 4e-8 relative.
/// </summary>
public sealed class SimdLevelBitsTests
{
    private const string Gqa = "tests/fixtures/models/gqa";
    private const string Phi3Window = "tests/fixtures/models/phi3-partial";

    /// <summary>The runtime switches, from none to no vector instructions at all (FMA then in software).</summary>
    private static readonly Dictionary<string, string>[] Settings =
    [
        [],
        new() { ["DOTNET_EnableAVX512"] = "0" },
        new() { ["DOTNET_EnableAVX2"] = "0" },
        new() { ["DOTNET_EnableHWIntrinsic"] = "0" },
    ];

    [Fact]
    public void Eval_gives_the_same_per_sample_nll_bits_with_and_without_avx512_avx2_and_any_intrinsics()
    {
        using var tmp = new TempDir();
        var levels = new List<string>();
        long[]? first = null;
        string firstName = "";
        foreach (var env in Settings)
        {
            string name = env.Count == 0 ? "default" : string.Join(",", env.Select(e => $"{e.Key}={e.Value}"));
            var probe = tmp.File($"probe-{levels.Count}.json");
            RunCli(env, "bench", "--model", Gqa, "--data", "datasets/validation", "--lengths", "16", "--repeats", "1", "--gemm-rows", "0", "--json", probe);
            levels.Add((string)JsonNode.Parse(File.ReadAllText(probe))!["simd_level"]!);

            var json = tmp.File($"eval-{levels.Count}.json");
            // Lengths off the 16-lane grid and past one 128-key tile; YaRN factors; two samples each.
            RunCli(env, "eval", "--model", Gqa, "--data", "datasets/validation", "--length", "100,203", "--samples", "2", "--method", "yarn", "--json", json);
            // A sliding window (100 keys, across key tiles) and partial rotary (8 of 16 dims) on Phi-3's fused weights.
            var windowed = tmp.File($"eval-window-{levels.Count}.json");
            RunCli(env, "eval", "--model", Phi3Window, "--data", "datasets/validation", "--length", "203", "--samples", "2", "--json", windowed);
            var bits = JsonNode.Parse(File.ReadAllText(json))!.AsArray().Append(JsonNode.Parse(File.ReadAllText(windowed)))
                .SelectMany(row => row!["samples"]!.AsArray().Select(v => BitConverter.DoubleToInt64Bits((double)v!))).ToArray();
            Assert.Equal(6, bits.Length);
            if (first is null) (first, firstName) = (bits, $"{name} ({levels[^1]})");
            else Assert.True(first.SequenceEqual(bits),
                $"{name} ({levels[^1]}): per-sample NLLs {Show(bits)} differ from {firstName}: {Show(first)}");
        }
        Assert.Contains("Scalar", levels);
        Assert.True(levels.Distinct().Count() >= 2, $"only {string.Join(", ", levels.Distinct())} ran: the comparison proves nothing");
    }

    private static string Show(long[] bits) => string.Join(" ", bits.Select(b => BitConverter.Int64BitsToDouble(b).ToString("R", System.Globalization.CultureInfo.InvariantCulture)));

    /// <summary>`dotnet longrope.dll ARGS` from the repository root with <paramref name="env"/> set and other DOTNET_Enable* switches removed.</summary>
    internal static void RunCli(Dictionary<string, string> env, params string[] args)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "longrope.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: the test project must reference src/LongRopeSearch.Cli");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            WorkingDirectory = RepoPaths.Root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        foreach (var a in args) start.ArgumentList.Add(a);
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("DOTNET_Enable", StringComparison.OrdinalIgnoreCase)).ToList())
            start.Environment.Remove(key);
        foreach (var (key, value) in env) start.Environment[key] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(5)), $"longrope {string.Join(' ', args)} did not finish");
        Assert.True(process.ExitCode == 0, $"longrope {string.Join(' ', args)} exited {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
    }
}
