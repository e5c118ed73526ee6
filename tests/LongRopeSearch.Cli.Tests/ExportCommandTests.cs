using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using LongRopeSearch.Rope;
using LongRopeSearch.Store;
using LongRopeSearch.Store.History;
using LongRopeSearch.Store.Validation;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>
/// A job output directory made by hand, the way JobRunner writes one, for the tiny GQA fixture model (head_dim 16,
/// so 8 rotary pairs; L0 = 64): targets 128 and 256, short factors at 64, validation.json and history.parquet.
/// The factor sets are chosen here, so expectations do not depend on what a search happens to find.
/// </summary>
internal sealed class TestJob : IDisposable
{
    public const int L0 = 64;
    public static string Model => RepoPaths.Combine("tests", "fixtures", "models", "gqa");

    /// <summary>√(1 + ln s / ln L0), the stacks' default attention factor, written out independently.</summary>
    public static double DefaultAf(double scale) => Math.Sqrt(1 + Math.Log(scale) / Math.Log(L0));

    public static readonly FactorSet Long256 = new([1.0, 1.3, 1.9, 2.6, 3.2, 3.7, 4.0, 4.3], 0, DefaultAf(4));
    public static readonly FactorSet Long128 = new([1.0, 1.1, 1.4, 1.7, 2.0, 2.0, 2.1, 2.2], 0, 1.2);
    public static readonly FactorSet Short64 = new([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.05, 1.1], 0, DefaultAf(4));

    private readonly TempDir _tmp = new();

    /// <param name="long256">The best overall of target 256 (default <see cref="Long256"/>).</param>
    /// <param name="deployable256">Its best deployable set, written as best/long-256.deployable.json (none by default:
    /// a best with n̂ = 0 is its own deployable set).</param>
    public TestJob(FactorSet? long256 = null, bool withShort = true, bool withBest = true, bool emptyTargets = false, FactorSet? deployable256 = null)
    {
        Dir = new JobDirectory(_tmp.File("job"));
        Directory.CreateDirectory(Dir.BestDir);
        Space = _tmp.File("space.json");
        System.IO.File.WriteAllText(Space, """{ "targets": ["2x", "4x"], "short": {"length": "1x"}, "population": 12, "generations": 4, "parents": 6, "mutations": 4, "crossovers": 4, "samples": 2, "seed": 3, "n_hat_choices": [0] }""");
        var spec = new JobSpec
        {
            Id = "test-job", Model = Model, Data = RepoPaths.SearchData, Validation = RepoPaths.ValidationData, Space = Space,
            Targets = ["2x", "4x"], Output = Dir.Root, Seed = 7,
        };
        spec.SaveJobFile(Dir.Spec, Dir.Root);
        if (emptyTargets)
        {
            // What `search` without --targets writes: [] meaning the space's targets.
            var o = JsonNode.Parse(System.IO.File.ReadAllText(Dir.Spec))!.AsObject();
            o["targets"] = new JsonArray();
            o.Remove("seed");
            System.IO.File.WriteAllText(Dir.Spec, o.ToJsonString());
        }
        if (withBest)
        {
            Best(FactorKind.Long, 128, Long128);
            Best(FactorKind.Long, 256, long256 ?? Long256);
            if (deployable256 is not null) Best(FactorKind.Long, 256, deployable256, deployable: true, ppl: 110.0);
            if (withShort) Best(FactorKind.Short, 64, Short64);
        }
        new ValidationFile("test-job",
        [
            Table("target 128", FactorKind.Long, 128, Long128),
            Table("target 256", FactorKind.Long, 256, long256 ?? Long256, deployable256),
            Table("short 64", FactorKind.Short, 64, Short64),
        ]).Write(Dir.Validation);
        new HistoryLog(Dir.History).Append(
        [
            Row("long", 128, 0, 30.0), Row("long", 128, 1, 27.5), Row("long", 256, 0, 40.0, abandoned: true),
            Row("long", 256, 0, 35.0), Row("short", 64, 0, 20.0),
        ]);
    }

    public JobDirectory Dir { get; }
    public string Space { get; }
    public string File(string name) => _tmp.File(name);

    private void Best(FactorKind kind, int length, FactorSet factors, bool deployable = false, double ppl = 100.0) =>
        FactorFile.SaveJson(Dir.BestFile(kind, length, deployable), factors, new Dictionary<string, object?>
        {
            ["stage"] = kind.Text(), ["target_length"] = length, ["original_length"] = L0, ["scale"] = (double)length / L0,
            ["search_ppl"] = ppl, ["job_id"] = "test-job",
        });

    private static ValidationTable Table(string stage, FactorKind kind, int length, FactorSet searched, FactorSet? deployable = null)
    {
        var rows = new List<ValidationRow>
        {
            new(ValidationRow.SearchedMethod, searched.Lambda.ToArray(), searched.NHat, searched.AttentionFactor, 4.0, Math.Exp(4.0), 4.25, Math.Exp(4.25), [4.2, 4.3], 3.0, Math.Exp(3.0)),
        };
        if (deployable is not null)
            rows.Add(new(ValidationRow.DeployableMethod, deployable.Lambda.ToArray(), 0, deployable.AttentionFactor, 4.1, Math.Exp(4.1), 4.5, Math.Exp(4.5), [4.4, 4.6], 3.1, Math.Exp(3.1)));
        rows.Add(new("none", Enumerable.Repeat(1.0, 8).ToArray(), 0, 1.0, 4.5, Math.Exp(4.5), 4.75, Math.Exp(4.75), [4.7, 4.8], 2.9, Math.Exp(2.9)));
        return new ValidationTable(stage, kind, length, 2, 4, rows, L0);
    }

    private static HistoryRow Row(string stage, int length, int generation, double ppl, bool abandoned = false) => new()
    {
        JobId = "test-job", Stage = stage, TargetLength = length, Generation = generation, CandidateId = generation, Origin = "mutation",
        Lambda = Enumerable.Repeat(1.0, 8).ToArray(), NHat = 0, AttentionFactor = 1.0, PerSampleNll = [Math.Log(ppl)], MeanNll = Math.Log(ppl),
        Ppl = ppl, Abandoned = abandoned, Seconds = 0.25, Timestamp = DateTimeOffset.UnixEpoch.AddHours(1),
    };

    /// <summary>Runs the CLI in-process with absolute paths only (another test class may change the working directory).</summary>
    public static (int Exit, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    public void Dispose() => _tmp.Dispose();
}

public class ExportCommandTests
{
    [Fact]
    public void All_formats_are_written_to_the_default_exports_directory()
    {
        using var job = new TestJob();
        var (exit, stdout, stderr) = TestJob.Cli("export", "--out", job.Dir.Root);
        Assert.True(exit == 0, stderr);
        foreach (var name in new[] { "config.json", "long_factor.csv", "short_factor.csv", "longrope-256.json", "longrope-256.gguf" })
        {
            var path = Path.Combine(job.Dir.Exports, name);
            Assert.True(File.Exists(path), name);
            Assert.Contains("wrote " + path, stdout, StringComparison.Ordinal);
        }
        // Default target: the largest searched.
        Assert.Contains("target 256", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Csv_round_trips_through_FactorFile_Load()
    {
        using var job = new TestJob();
        var to = job.File("csv");
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--target", "2x", "--format", "csv", "--to", to);
        Assert.True(exit == 0, stderr);
        Assert.Equal(TestJob.Long128.Lambda, FactorFile.Load(Path.Combine(to, "long_factor.csv"), 8).Lambda);
        Assert.Equal(TestJob.Short64.Lambda, FactorFile.Load(Path.Combine(to, "short_factor.csv"), 8).Lambda);
        // λ only: the attention factors that are lost are named.
        Assert.Contains("attention factor 1.2", stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(to, "config.json")));
    }

    [Fact]
    public void Json_export_carries_factors_model_validation_and_search_settings()
    {
        using var job = new TestJob();
        var to = job.File("json");
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "json", "--to", to);
        Assert.True(exit == 0, stderr);
        var path = Path.Combine(to, "longrope-256.json");
        Assert.Equal(TestJob.Long256, FactorFile.Load(path, 8));
        var doc = JsonNode.Parse(File.ReadAllText(path))!;
        Assert.Equal(256, (int)doc["target_length"]!);
        Assert.Equal(4.0, (double)doc["scale"]!);
        Assert.Equal(TestJob.Short64.Lambda, doc["short"]!["factors"]!.AsArray().Select(x => (double)x!).ToArray());
        Assert.Equal(TestJob.Model, (string)doc["model"]!["path"]!);
        Assert.Equal(16, (int)doc["model"]!["config"]!["head_dim"]!);
        Assert.Equal("target 256", (string)doc["validation"]!["stage"]!);
        Assert.Equal(Math.Exp(4.25), (double)doc["validation"]!["rows"]![0]!["validation_ppl"]!);
        Assert.Equal("short 64", (string)doc["short_validation"]!["stage"]!);
        Assert.Equal(12, (int)doc["search"]!["space"]!["population"]!);
        Assert.Equal(job.Space, (string)doc["search"]!["space_file"]!);
        Assert.Equal(7UL, (ulong)doc["search"]!["seed"]!);
    }

    [Fact]
    public void Without_a_deployable_set_the_stack_forms_are_refused_unless_hf_may_drop_nhat()
    {
        using var job = new TestJob(long256: TestJob.Long256.With(nHat: 8));
        var to = job.File("hf");
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "all", "--to", to);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("target 256", stderr, StringComparison.Ordinal);
        Assert.Contains("n̂ = 0", stderr, StringComparison.Ordinal);
        Assert.Contains("--allow-nhat", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(to)); // nothing half-written

        (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "hf", "--to", to, "--allow-nhat");
        Assert.True(exit == 0, stderr);
        Assert.Contains("n̂ = 8", stderr, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(to, "config.json")));

        // json and csv keep n̂: they take the best overall, saying there is no deployable set.
        (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "json", "--to", job.File("json"));
        Assert.True(exit == 0, stderr);
        Assert.Contains("no deployable factor set", stderr, StringComparison.Ordinal);
        Assert.Equal(8, FactorFile.Load(Path.Combine(job.File("json"), "longrope-256.json"), 8).NHat);
    }

    [Fact]
    public void The_deployable_set_is_exported_by_default_with_its_cost()
    {
        var best = TestJob.Long256.With(nHat: 8);
        var deployable = TestJob.Long256.With(lambda: [1.0, 1.3, 1.9, 2.6, 3.2, 3.7, 4.1, 4.4]);
        using var job = new TestJob(long256: best, deployable256: deployable);
        var to = job.File("all");
        var (exit, stdout, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--to", to);
        Assert.True(exit == 0, stderr);
        Assert.Contains("best deployable (n̂ = 0) set from " + job.Dir.BestFile(FactorKind.Long, 256, deployable: true), stdout, StringComparison.Ordinal);
        // Search ppl 110 (deployable file) against 100 (best file): +10%; validation e^4.5 against e^4.25: +28.40%.
        Assert.Contains("search ppl 110.0000 against 100.0000 for the best overall, +10.00%", stdout, StringComparison.Ordinal);
        Assert.Contains("+28.40%", stdout, StringComparison.Ordinal);

        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(to, "config.json")))!;
        Assert.Equal(deployable.Lambda, config["rope_scaling"]!["long_factor"]!.AsArray().Select(x => (double)x!).ToArray());
        var provenance = config["longrope_search"]!;
        Assert.Equal("final", (string)provenance["status"]!);
        Assert.Equal(8, (int)provenance["long"]!["best_overall"]!["n_hat"]!);
        Assert.Equal(0.1, (double)provenance["long"]!["search_ppl_increase"]!, 12);

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(to, "longrope-256.json")))!;
        Assert.Equal(deployable, FactorFile.Load(Path.Combine(to, "longrope-256.json"), 8));
        Assert.Equal(best.Lambda, json["provenance"]!["long"]!["best_overall"]!["factors"]!.AsArray().Select(x => (double)x!).ToArray());
        Assert.Equal(deployable.Lambda, FactorFile.Load(Path.Combine(to, "long_factor.csv"), 8).Lambda);
    }

    [Fact]
    public void Asking_for_the_nhat_set_in_a_stack_export_is_refused_with_the_deployable_alternative()
    {
        var best = TestJob.Long256.With(nHat: 8);
        var deployable = TestJob.Long256.With(lambda: [1.0, 1.3, 1.9, 2.6, 3.2, 3.7, 4.1, 4.4]);
        using var job = new TestJob(long256: best, deployable256: deployable);
        foreach (var format in new[] { "hf", "gguf", "all" })
        {
            var to = job.File("x-" + format);
            var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", format, "--set", "best", "--to", to);
            Assert.Equal(ExitCodes.BadInput, exit);
            var first = stderr.Split('\n')[0];
            Assert.StartsWith("error: --set: ", first, StringComparison.Ordinal);
            Assert.Contains("n̂ = 8", first, StringComparison.Ordinal);
            Assert.Contains("--set deployable", first, StringComparison.Ordinal);
            Assert.False(Directory.Exists(to));
        }
        // The json export takes it.
        var (ok, _, err) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "json,csv", "--set", "best", "--to", job.File("j"));
        Assert.True(ok == 0, err);
        Assert.Equal(best, FactorFile.Load(Path.Combine(job.File("j"), "longrope-256.json"), 8));
    }

    [Fact]
    public void A_missing_validation_file_is_said()
    {
        using var job = new TestJob();
        File.Delete(job.Dir.Validation);
        var to = job.File("json");
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "json", "--to", to);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"warning: {job.Dir.Validation} is missing", stderr, StringComparison.Ordinal);
        Assert.Contains("\"validation\" is null", stderr, StringComparison.Ordinal);
        Assert.Null(JsonNode.Parse(File.ReadAllText(Path.Combine(to, "longrope-256.json")))!["validation"]);
    }

    [Fact]
    public void To_an_existing_file_names_the_option()
    {
        using var job = new TestJob();
        var file = job.File("taken");
        File.WriteAllText(file, "x");
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "hf", "--to", file);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.StartsWith("error: --to: ", stderr, StringComparison.Ordinal);
        Assert.Contains(file, stderr, StringComparison.Ordinal);
        Assert.Equal("x", File.ReadAllText(file));
    }

    [Fact]
    public void Missing_best_files_are_a_clear_error()
    {
        using var job = new TestJob(withBest: false);
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "hf", "--to", job.File("x"));
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("best/long-<L>.json", stderr, StringComparison.Ordinal);
        Assert.Contains(job.Dir.Root, stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_target_that_was_not_searched_lists_the_searched_ones()
    {
        using var job = new TestJob();
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--target", "8x", "--format", "hf", "--to", job.File("x"));
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("--target", stderr, StringComparison.Ordinal);
        Assert.Contains("128, 256", stderr, StringComparison.Ordinal);
        Assert.Contains("512", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Not_a_job_directory_and_bad_format_are_bad_input()
    {
        using var tmp = new TempDir();
        var (exit, _, stderr) = TestJob.Cli("export", "--out", tmp.PathName, "--format", "hf", "--to", tmp.File("x"));
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("job.json", stderr, StringComparison.Ordinal);

        using var job = new TestJob();
        (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "onnx", "--to", job.File("x"));
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("hf, csv, json, gguf, all", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreadable_checkpoint_is_an_error_naming_it_not_a_default_seed()
    {
        // No seed in job.json: the seed comes from state.json, which must then be readable.
        using var job = new TestJob(emptyTargets: true);
        File.WriteAllText(job.Dir.State, "{ \"format\": 1, \"search\": ");
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "json", "--to", job.File("json"));
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.StartsWith($"error: {job.Dir.State}: ", stderr.Split('\n')[0], StringComparison.Ordinal);
        Assert.False(Directory.Exists(job.File("json")));
    }

    [Fact]
    public void A_damaged_validation_file_is_an_error_naming_the_member()
    {
        using var job = new TestJob();
        var text = File.ReadAllText(job.Dir.Validation);
        File.WriteAllText(job.Dir.Validation, text.Replace("\"search_samples\": 2,", "", StringComparison.Ordinal));
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "json", "--to", job.File("json"));
        Assert.Equal(ExitCodes.BadInput, exit);
        var first = stderr.Split('\n')[0];
        Assert.StartsWith($"error: {job.Dir.Validation}: ", first, StringComparison.Ordinal);
        Assert.Contains("search_samples", first, StringComparison.Ordinal);

        File.WriteAllText(job.Dir.Validation, text.Replace("\"kind\": \"long\"", "\"kind\": \"longer\"", StringComparison.Ordinal));
        (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "json", "--to", job.File("json"));
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.StartsWith($"error: {job.Dir.Validation}: stages[0].kind: ", stderr.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains("\"long\" or \"short\"", stderr.Split('\n')[0], StringComparison.Ordinal);
    }

    [Fact]
    public void Job_written_without_explicit_targets_exports()
    {
        using var job = new TestJob(emptyTargets: true);
        var to = job.File("json");
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "json", "--to", to);
        Assert.True(exit == 0, stderr);
        // No seed in job.json: the space's seed is recorded.
        Assert.Equal(3UL, (ulong)JsonNode.Parse(File.ReadAllText(Path.Combine(to, "longrope-256.json")))!["search"]!["seed"]!);
    }
}
