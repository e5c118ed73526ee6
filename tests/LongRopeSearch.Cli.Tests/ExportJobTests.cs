using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using LongRopeSearch.Store;
using LongRopeSearch.Store.Gguf;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>`export` of jobs made by the search itself: the GGUF form, a job still running (--best-so-far), search then export.</summary>
public class ExportJobTests
{
    [Fact]
    public void Gguf_export_holds_the_jobs_deployable_factors_and_switch_point()
    {
        var job = SearchedJob.Value;
        var file = Path.Combine(job.Scratch("gguf"), "tiny.gguf");
        var (exit, stdout, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "gguf", "--to", file, "--outtype", "f16");
        Assert.True(exit == 0, stderr);
        Assert.Contains("wrote " + file, stdout, StringComparison.Ordinal);

        var gguf = GgufFile.Open(file);
        var longSet = FactorFile.Load(job.Best(FactorKind.Long, deployable: true), 8);
        var shortSet = FactorFile.Load(job.Best(FactorKind.Short, deployable: true), 8);
        Assert.Equal(0, longSet.NHat);
        Assert.Equal(longSet.Lambda.Select(l => (float)l).ToArray(), gguf.ReadTensorFloats(gguf.Tensor("rope_factors_long.weight")));
        Assert.Equal(shortSet.Lambda.Select(l => (float)l).ToArray(), gguf.ReadTensorFloats(gguf.Tensor("rope_factors_short.weight")));
        Assert.Equal((uint)SearchedJob.ShortLength, Value(gguf, "llama.rope.scaling.original_context_length"));
        Assert.Equal((uint)SearchedJob.Target, Value(gguf, "llama.context_length"));
        Assert.Equal((float)longSet.AttentionFactor, Value(gguf, "llama.rope.scaling.attn_factor"));
        Assert.Equal("longrope", Value(gguf, "llama.rope.scaling.type"));
        Assert.False(gguf.Metadata.TryGet("llama.rope.scaling.factor", out _));
        Assert.EndsWith("final", (string)Value(gguf, "general.description"), StringComparison.Ordinal);
        // --outtype: the matrices are F16, the vectors stay F32.
        Assert.Equal(GgufTensorType.F16, gguf.Tensor("blk.0.attn_q.weight").Type);
        Assert.Equal(GgufTensorType.F32, gguf.Tensor("blk.0.attn_norm.weight").Type);
    }

    [Fact]
    public void Gguf_options_are_checked_before_anything_is_written()
    {
        var job = SearchedJob.Value;
        var dir = job.Scratch("bad");
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "gguf", "--to", Path.Combine(dir, "m.gguf"), "--outtype", "q4");
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.StartsWith("error: --outtype: ", stderr, StringComparison.Ordinal);
        (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "hf", "--to", dir, "--outtype", "f16");
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("--format gguf", stderr, StringComparison.Ordinal);
        (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "hf,json", "--to", Path.Combine(dir, "m.gguf"));
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.StartsWith("error: --to: ", stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(dir));
    }

    [Fact]
    public void Search_then_export_works_as_a_new_user_runs_it()
    {
        // The shared job was made by `longrope search` with LongRoPE's n̂ choices; `export --format hf` with no other
        // option must give a config every stack can load: n̂ = 0 sets, and when the best overall had n̂ > 0 its cost said.
        var job = SearchedJob.Value;
        var to = job.Scratch("newuser");
        var (exit, stdout, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "hf", "--to", to);
        Assert.True(exit == 0, stderr);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(to, "config.json")))!;
        Assert.Equal(FactorFile.Load(job.Best(FactorKind.Long, deployable: true), 8).Lambda,
            config["rope_scaling"]!["long_factor"]!.AsArray().Select(x => (double)x!).ToArray());
        var best = FactorFile.Load(job.Best(FactorKind.Long), 8);
        if (best.NHat > 0) Assert.Contains("not the best overall", stdout, StringComparison.Ordinal);
        else Assert.DoesNotContain("not the best overall", stdout, StringComparison.Ordinal);
        Assert.Contains("switch point 128", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Best_so_far_of_a_running_target_is_its_best_deployable_candidate_labelled_not_final()
    {
        using var tmp = new TempDir();
        var spec = StoppedJob(tmp, evaluations: 17); // target 256: generation 0 (12) and 5 of generation 1's 8
        var dir = new JobDirectory(spec.Output);
        var to = tmp.File("exports");

        // Without --best-so-far there is nothing finished to export; the error says what to do.
        var (exit, _, stderr) = TestJob.Cli("export", "--out", dir.Root, "--format", "json", "--to", to);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("--best-so-far", stderr, StringComparison.Ordinal);

        (exit, var stdout, stderr) = TestJob.Cli("export", "--out", dir.Root, "--format", "json,hf", "--to", to, "--best-so-far");
        Assert.True(exit == 0, stderr);
        Assert.Contains("BEST SO FAR, NOT FINAL", stdout, StringComparison.Ordinal);
        Assert.Contains("best so far, generation 1 of 3 (target 256", stdout, StringComparison.Ordinal);

        // Independently: the lowest mean NLL among the full n̂ = 0 evaluations of target 256 so far, from the history
        // file and the checkpoint's rows of the running generation.
        var state = JobState.Load(dir.State);
        var rows = HistoryLog.ReadAll(dir.History).Concat(state.PendingRows)
            .Where(r => r.Stage == "long" && r.TargetLength == 256 && !r.Abandoned && r.NHat == 0).ToList();
        Assert.Equal(17, HistoryLog.ReadAll(dir.History).Count + state.PendingRows.Count);
        var expected = rows.OrderBy(r => r.MeanNll).ThenBy(r => r.CandidateId).First();

        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(to, "longrope-256.json")))!;
        Assert.Equal(new FactorSet(expected.Lambda, 0, expected.AttentionFactor), FactorFile.Load(Path.Combine(to, "longrope-256.json"), 8));
        Assert.StartsWith("best so far, generation 1 of 3", (string)json["status"]!, StringComparison.Ordinal);
        Assert.EndsWith("not final", (string)json["status"]!, StringComparison.Ordinal);
        Assert.Null(json["validation"]);
        Assert.Equal(Math.Exp(expected.MeanNll), (double)json["provenance"]!["long"]!["search_ppl"]!, 1e-12);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(to, "config.json")))!;
        Assert.Equal((string)json["status"]!, (string)config["longrope_search"]!["status"]!);
        Assert.Equal(expected.Lambda, config["rope_scaling"]!["long_factor"]!.AsArray().Select(x => (double)x!).ToArray());

        // A target that is not the running one is refused.
        (exit, _, stderr) = TestJob.Cli("export", "--out", dir.Root, "--target", "128", "--format", "json", "--to", tmp.File("x"), "--best-so-far");
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.StartsWith("error: --target: ", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Best_so_far_of_the_short_stage_pairs_it_with_the_finished_target()
    {
        using var tmp = new TempDir();
        var spec = StoppedJob(tmp, evaluations: 40); // target 256 done (36), short 128 running
        var dir = new JobDirectory(spec.Output);
        var to = tmp.File("exports");
        var (exit, stdout, stderr) = TestJob.Cli("export", "--out", dir.Root, "--format", "json", "--to", to, "--best-so-far");
        Assert.True(exit == 0, stderr);
        Assert.Contains("(short 128", stdout, StringComparison.Ordinal);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(to, "longrope-256.json")))!;
        Assert.Equal(FactorFile.Load(dir.BestFile(FactorKind.Long, 256, deployable: true), 8), FactorFile.Load(Path.Combine(to, "longrope-256.json"), 8));
        Assert.NotNull(json["validation"]); // the finished target's table
        Assert.Null(json["short_validation"]);
        Assert.Equal(0, (int)json["short"]!["n_hat"]!);
        Assert.Equal(128, (int)json["switch_length"]!);
        Assert.Contains("not final", (string)json["status"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Best_so_far_of_a_finished_job_says_the_export_is_final()
    {
        var job = SearchedJob.Value;
        var to = job.Scratch("final");
        var (exit, stdout, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "json", "--to", to, "--best-so-far");
        Assert.True(exit == 0, stderr);
        Assert.Contains("the job is finished, so its final factors are exported", stdout, StringComparison.Ordinal);
        Assert.Equal("final", (string)JsonNode.Parse(File.ReadAllText(Path.Combine(to, "longrope-256.json")))!["status"]!);
    }

    [Fact]
    public void The_validation_table_has_the_L0_column_and_the_deployable_row_when_it_differs()
    {
        var job = SearchedJob.Value;
        var tables = Store.Validation.ValidationFile.Read(job.Dir.Validation)!.Stages;
        foreach (var t in tables)
        {
            Assert.Equal(SearchedJob.L0, t.OriginalLength);
            Assert.All(t.Rows, r => Assert.NotNull(r.AtL0ValidationPpl));
            var best = FactorFile.Load(job.Best(t.Kind), 8);
            Assert.Equal(best.NHat != 0, t.Row(Store.Validation.ValidationRow.DeployableMethod) is not null);
        }
        // The unscaled model at L0 is the reference every method's short-context cost is read against: its ppl at L0
        // is its ppl on the L0-token validation samples, which `eval` measures independently.
        var none = tables[0].Row(Store.Validation.ValidationRow.NoneMethod)!;
        var evalJson = Path.Combine(job.Scratch("eval"), "eval.json");
        var (exit, _, stderr) = TestJob.Cli("eval", "--model", SearchedJob.Model, "--data", RepoPaths.ValidationData, "--length", "64",
            "--samples", "4", "--threads", "2", "--json", evalJson);
        Assert.True(exit == 0, stderr);
        Assert.Equal((double)JsonNode.Parse(File.ReadAllText(evalJson))!["ppl"]!, none.AtL0ValidationPpl!.Value, 1e-12);
    }

    [Fact]
    public void A_job_without_deployable_files_or_validation_json_takes_both_from_its_checkpoint()
    {
        // A job directory as a version before deployable files left it, and without validation.json.
        var job = SearchedJob.Value;
        var copy = job.Scratch("old-job");
        CopyDirectory(job.Dir.Root, copy);
        var dir = new JobDirectory(copy);
        foreach (var f in Directory.GetFiles(dir.BestDir, "*.deployable.json")) File.Delete(f);
        File.Delete(dir.Validation);

        var to = job.Scratch("old-export");
        var (exit, stdout, stderr) = TestJob.Cli("export", "--out", copy, "--format", "hf,json", "--to", to);
        Assert.True(exit == 0, stderr);
        var deployable = FactorFile.Load(job.Best(FactorKind.Long, deployable: true), 8);
        Assert.Equal(deployable, FactorFile.Load(Path.Combine(to, "longrope-256.json"), 8));
        if (!deployable.Equals(FactorFile.Load(job.Best(FactorKind.Long), 8)))
            Assert.Contains("set from " + dir.State, stdout, StringComparison.Ordinal);
        Assert.Contains($"warning: {dir.Validation} is missing: the validation tables are taken from the checkpoint {dir.State}", stderr, StringComparison.Ordinal);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(to, "longrope-256.json")))!;
        Assert.Equal("target 256", (string)json["validation"]!["stage"]!);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) CopyDirectory(d, Path.Combine(to, Path.GetFileName(d)));
    }

    /// <summary>The shared job's search run in-process and stopped (as Ctrl-C would) right after its <paramref name="evaluations"/>-th evaluation.</summary>
    private static JobSpec StoppedJob(TempDir tmp, long evaluations)
    {
        var space = tmp.File("space.json");
        File.WriteAllText(space, SearchedJob.SpaceJson);
        var spec = new JobSpec
        {
            Id = "stopped", Model = SearchedJob.Model, Data = RepoPaths.SearchData, Validation = RepoPaths.ValidationData,
            Space = space, Targets = [], Output = tmp.File("job"), Threads = 2,
        };
        using var cts = new CancellationTokenSource();
        var runner = new JobRunner(spec, NullLogger.Instance, new Sync(p => { if (p.EvaluationsDone == evaluations) cts.Cancel(); }));
        Assert.Equal(JobOutcome.Cancelled, runner.Run(cts.Token));
        return spec;
    }

    private static object Value(GgufFile f, string key) => f.Metadata.TryGet(key, out var v) ? v.Value : throw new KeyNotFoundException(key);

    private sealed class Sync(Action<SearchProgress> onReport) : IProgress<SearchProgress>
    {
        public void Report(SearchProgress value) => onReport(value);
    }
}
