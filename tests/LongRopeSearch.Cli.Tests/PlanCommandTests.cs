using System.Text.Json;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>`longrope plan`: bad input is one line and exit 2; without calibration the counts come out as the space says.</summary>
public sealed class PlanCommandTests
{
    private static string Model => RepoPaths.Combine("tests", "fixtures", "models", "gqa");

    private const string Space =
        """{ "targets": ["2x"], "population": 12, "generations": 3, "parents": 6, "mutations": 4, "crossovers": 4, "samples": 2, "seed": 3 }""";

    [Theory]
    [InlineData("--workers", "0", "--workers")]
    [InlineData("--repeats", "0", "--repeats")]
    [InlineData("--from", "/nonexistent-run-dir", "history.parquet")]
    [InlineData("--calibrate", "abc", "--calibrate")]
    public void Bad_input_is_one_line_and_exit_2(string option, string value, string named)
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("space.json"), Space);
        var (exit, _, err) = CliRunner.Run("plan", "--model", Model, "--space", dir.File("space.json"), option, value);
        Assert.Equal(2, exit);
        Assert.Single(err.Trim().Split('\n'));
        Assert.Contains(named, err, StringComparison.Ordinal);
    }

    [Fact]
    public void Counts_without_calibration_and_json()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("space.json"), Space);
        var (exit, output, err) = CliRunner.Run("plan", "--model", Model, "--space", dir.File("space.json"), "--calibrate", "0", "--workers", "2", "--json", dir.File("plan.json"));
        Assert.True(exit == 0, err);
        Assert.Contains("no calibration", output, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("plan.json")));
        var stages = json.RootElement.GetProperty("stages");
        Assert.Equal(1, stages.GetArrayLength()); // target 128 (the space has no short stage)
        foreach (var s in stages.EnumerateArray())
            Assert.Equal(12 + 3 * 8, s.GetProperty("planned_evaluations").GetInt64());
    }

    [Fact]
    public void With_a_calibration_every_stage_and_the_total_have_wall_and_cpu_time()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("space.json"), Space);
        var (exit, _, err) = CliRunner.Run("plan", "--model", Model, "--space", dir.File("space.json"), "--calibrate", "64,128", "--repeats", "1", "--json", dir.File("plan.json"));
        Assert.True(exit == 0, err);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("plan.json")));
        foreach (var s in json.RootElement.GetProperty("stages").EnumerateArray())
        {
            Assert.True(s.GetProperty("seconds").GetDouble() > 0);
            Assert.True(s.GetProperty("cpu_seconds").GetDouble() > 0);
        }
    }
}
