using System.Text.Json;
using LongRopeSearch.Jobs;
using LongRopeSearch.Model;
using LongRopeSearch.Store.Gguf;
using LongRopeSearch.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Gguf.Tests;

/// <summary>
/// The whole path a user takes, end to end: a (small) search on the shipped model finishes, `export --format gguf`
/// writes its best deployable factors, and llama.cpp, loading that file, computes on the search's own sample the mean
/// NLL the search recorded for that candidate (best/long-1024.deployable.json's search_mean_nll), within 1e-4 relative.
/// Nothing on the expected side is computed by the exporter: the number comes from the search's checkpointed record.
/// </summary>
public sealed class SearchedExportTests(ITestOutputHelper output) : IDisposable
{
    private const double Tolerance = 1e-4;
    private const int Target = 4 * TinyBrown.L0;
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_finished_search_exported_to_gguf_gives_the_nll_the_search_measured_in_llama_cpp()
    {
        var space = _dir.File("space.json");
        File.WriteAllText(space, """{ "targets": ["4x"], "population": 8, "generations": 1, "parents": 4, "mutations": 2, "crossovers": 2, "samples": 1, "seed": 5 }""");
        var spec = new JobSpec
        {
            Id = "gguf-e2e", Model = TinyBrown.ModelDir, Data = RepoPaths.SearchData, Validation = RepoPaths.ValidationData,
            Space = space, Targets = [], Output = _dir.File("job"), ValidationSamples = 1,
        };
        using (var cts = new CancellationTokenSource())
            Assert.Equal(JobOutcome.Finished, new JobRunner(spec, NullLogger.Instance).Run(cts.Token));

        var job = JobContext.Open(spec.Output);
        var gguf = _dir.File("searched.gguf");
        using (var export = JobExport.Prepare(JobResults.Read(job), new ExportRequest
        {
            Formats = new HashSet<ExportFormat> { ExportFormat.Gguf }, To = gguf, OutType = GgufOutType.F32,
        }))
            export.Write();

        using var best = JsonDocument.Parse(File.ReadAllText(Path.Combine(spec.Output, "best", $"long-{Target}.deployable.json")));
        double recorded = best.RootElement.GetProperty("search_mean_nll").GetDouble();

        using var model = ModelFolder.Open(TinyBrown.ModelDir);
        var tokens = SampleSet.Load(RepoPaths.SearchData, Target, 1, model.Tokenizer).Samples[0].Tokens;
        var theirs = LlamaCpp.TokenNll(gguf, tokens);
        double rel = Math.Abs(theirs.MeanNll - recorded) / recorded;
        output.WriteLine($"search recorded {recorded:R}, llama.cpp {theirs.MeanNll:R} (n_ctx {theirs.ContextSize}): rel diff {rel:E2}");
        Assert.True(rel <= Tolerance, $"relative difference {rel:E2} above {Tolerance:E0}");
    }
}
