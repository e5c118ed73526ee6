using System.Text.Json.Nodes;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>
/// `--prefix-steps` and `--max-memory` on eval and bench: evaluating samples in prefix steps gives the whole-sequence
/// per-sample NLL bits (in process, and in a child process without any SIMD intrinsics); over the memory budget the
/// steps fall back to whole passes and the JSON says why.
/// </summary>
public sealed class PrefixStepsCommandTests
{
    private const string Gqa = "tests/fixtures/models/gqa";

    private static (long[] Bits, JsonArray Rows) Eval(TempDir tmp, string name, params string[] extra)
    {
        var json = tmp.File(name);
        var (exit, _, stderr) = CliRunner.Run(["eval", "--model", Gqa, "--data", "datasets/validation", "--length", "100,203", "--samples", "2",
            "--method", "yarn", "--json", json, .. extra]);
        Assert.True(exit == 0, stderr);
        var rows = JsonNode.Parse(File.ReadAllText(json))!.AsArray();
        return (rows.SelectMany(r => r!["samples"]!.AsArray().Select(v => BitConverter.DoubleToInt64Bits((double)v!))).ToArray(), rows);
    }

    [Fact]
    public void Eval_in_prefix_steps_gives_the_whole_pass_bits_and_falls_back_over_the_budget()
    {
        using var tmp = new TempDir();
        var (whole, _) = Eval(tmp, "whole.json");
        var (stepped, rows) = Eval(tmp, "stepped.json", "--prefix-steps", "3");
        Assert.Equal(whole, stepped);
        Assert.Equal([33, 66, 99], rows[0]!["prefix_ends"]!.AsArray().Select(e => (int)e!));
        Assert.Null(rows[0]!["prefix_fallback"]);

        var (budgeted, budgetedRows) = Eval(tmp, "budgeted.json", "--prefix-steps", "3", "--max-memory", "64K");
        Assert.Equal(whole, budgeted);
        Assert.Contains("memory budget", (string)budgetedRows[1]!["prefix_fallback"]!, StringComparison.Ordinal);

        // Without any SIMD intrinsics, in a child process: still the default level's whole-pass bits.
        var json = tmp.File("scalar.json");
        SimdLevelBitsTests.RunCli(new() { ["DOTNET_EnableHWIntrinsic"] = "0" }, "eval", "--model", Gqa, "--data", "datasets/validation",
            "--length", "100,203", "--samples", "2", "--method", "yarn", "--prefix-steps", "4", "--json", json);
        var scalar = JsonNode.Parse(File.ReadAllText(json))!.AsArray()
            .SelectMany(r => r!["samples"]!.AsArray().Select(v => BitConverter.DoubleToInt64Bits((double)v!))).ToArray();
        Assert.Equal(whole, scalar);
    }

    [Theory]
    [InlineData("--max-memory", "lots")]
    [InlineData("--max-memory", "-2G")]
    [InlineData("--prefix-steps", "-1")]
    public void Bad_values_exit_2_naming_the_option(string option, string value)
    {
        var (exit, _, stderr) = CliRunner.Run("eval", "--model", Gqa, "--length", "64", "--samples", "1", option, value);
        Assert.Equal(2, exit);
        Assert.Contains(option, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_reports_both_modes_with_the_same_bits()
    {
        using var tmp = new TempDir();
        var json = tmp.File("prefix.json");
        var (exit, stdout, stderr) = CliRunner.Run("bench", "--model", Gqa, "--data", "datasets/validation", "--lengths", "150", "--repeats", "1",
            "--gemm-rows", "0", "--prefix-steps", "2", "--note", "test", "--json", json);
        Assert.True(exit == 0, stderr);
        Assert.Contains("prefix steps", stdout, StringComparison.Ordinal);
        var doc = JsonNode.Parse(File.ReadAllText(json))!;
        var prefix = doc["prefix"]!.AsArray().Single()!;
        Assert.True((bool)prefix["same_bits"]!);
        Assert.Equal([74, 149], prefix["ends"]!.AsArray().Select(e => (int)e!));
        Assert.True((long)prefix["engine_bytes"]! > 0 && (long)doc["lengths"]![0]!["engine_bytes"]! > 0);
        Assert.Equal("test", (string)doc["note"]!);
    }
}
