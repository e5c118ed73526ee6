using System.Text.Json;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.Store.History;
using LongRopeSearch.Store.Validation;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// A search on a model that ships its own rope_scaling (the llama-yarn fixture: YaRN factor 4 over L0 = 32, whose
/// `eval` the Engine tests hold equal to float64 PyTorch with transformers' formulas): L0 is the published
/// original_max_position_embeddings, the published scaling at each stage's length is one of the population's seeds,
/// and every validation table has an "as published (yarn)" row whose ppl is what `eval` (no --factors: the model as
/// published) gives on the same validation samples.
/// </summary>
public sealed class PublishedScalingJobTests : IDisposable
{
    private const string Label = "as published (yarn)";
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_published_scaling_is_a_seed_and_a_validation_row_equal_to_eval_as_published()
    {
        var spec = JobKit.NewJob(_dir, """{ "targets": ["2x", "4x"], "population": 8, "generations": 1, "parents": 4, "mutations": 2, "crossovers": 2, "samples": 1, "seed": 3 }""");
        spec = spec with { Model = RepoPaths.Combine("tests", "fixtures", "models", "llama-yarn") };
        var logs = new List<string>();
        using (var cts = new CancellationTokenSource())
            Assert.Equal(JobOutcome.Finished, JobKit.RunOnce(spec, cts, onLog: logs.Add));
        Assert.Contains(logs, l => l.Contains("L0 = 32", StringComparison.Ordinal) && l.Contains("published rope_scaling", StringComparison.Ordinal));

        var dir = new JobDirectory(spec.Output);
        var history = HistoryLog.ReadAll(dir.History);
        // At 64 (s = 2) the published YaRN (factor 4) differs from every classic seed; at 128 (s = 4) it is the yarn
        // seed itself, which the search keeps once (under its first label), so only 64 can show the extra seed.
        foreach (var length in new[] { 64 })
            Assert.True(history.Any(r => r.TargetLength == length && r.Generation == 0 && r.Origin == Label),
                $"no seed labelled {Label} at {length}: " + string.Join(", ", history.Where(r => r.TargetLength == length && r.Generation == 0).Select(r => r.Origin)));
            //history, r => r.TargetLength == length && r.Generation == 0 && r.Origin == Label);

        var tables = ValidationFile.Read(dir.Validation)!.Stages;
        Assert.Equal(2, tables.Count);
        foreach (var table in tables)
        {
            var published = table.Row(Label);
            Assert.NotNull(published);
            Assert.NotEqual(table.Row(ValidationRow.NoneMethod)!.ValidationNll, published.ValidationNll);

            var json = _dir.File($"eval-{table.Length}.json");
            using var cli = CliProcess.Start(RepoPaths.Root, "eval", "--model", spec.Model, "--data", spec.Validation,
                "--length", table.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--samples", table.ValidationSamples.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", json);
            Assert.True(cli.WaitForExit(TimeSpan.FromMinutes(2)), "eval did not finish");
            Assert.True(cli.ExitCode == 0, cli.Stderr);
            using var doc = JsonDocument.Parse(File.ReadAllText(json));
            var perSample = doc.RootElement.GetProperty("samples").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Equal(perSample, published.ValidationPerSampleNll);
        }
    }
}
