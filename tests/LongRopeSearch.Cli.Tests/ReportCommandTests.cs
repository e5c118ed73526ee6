using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

public class ReportCommandTests
{
    [Fact]
    public void Report_sweeps_every_method_caches_it_and_reruns_from_the_cache()
    {
        using var job = new TestJob();
        var (exit, stdout, stderr) = TestJob.Cli("report", "--out", job.Dir.Root, "--threads", "2");
        Assert.True(exit == 0, stderr);
        Assert.Contains("wrote " + job.Dir.Report, stdout, StringComparison.Ordinal);
        // 3 searched sets (long 128, long 256, short 64) + none + pi, ntk, yarn, llama3, dynamic-ntk; L0 · {1, 2, 4}.
        Assert.Contains("9 factor sets × 3 lengths on 4 validation samples: 27 evaluated, 0 from", stdout, StringComparison.Ordinal);

        var html = File.ReadAllText(job.Dir.Report);
        var sweep = html[html.IndexOf("<section id=\"sweep\">", StringComparison.Ordinal)..html.IndexOf("<section id=\"progress\">", StringComparison.Ordinal)];
        var lines = Regex.Matches(sweep, "<polyline class=\"series\" data-series=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["longrope L=128", "longrope L=256", "longrope short L=64", "none", "pi s=4", "ntk s=4", "yarn s=4", "llama3 s=4", "dynamic-ntk s=4"], lines);

        // The searched 256 factors at 256, scored here independently, appear in the page and the cache.
        using (var folder = ModelFolder.Open(TestJob.Model))
        using (var scorer = new PerplexityScorer(folder.Weights, new ForwardPassOptions { Kind = ForwardPassKind.Fast, Threads = 2 }))
        {
            var ppl = scorer.Evaluate(SampleSet.Load(RepoPaths.ValidationData, 256, 4, folder.Tokenizer), TestJob.Long256).Ppl;
            Assert.Contains(ppl.ToString("0.0000", CultureInfo.InvariantCulture), sweep, StringComparison.Ordinal);
            var cache = JsonNode.Parse(File.ReadAllText(Path.Combine(job.Dir.Root, "sweep.json")))!["entries"]!.AsObject();
            Assert.Equal(27, cache.Count);
            Assert.Equal(ppl, (double)cache[TestJob.Long256.Key + "@L=256"]!["ppl"]!);
        }
        Assert.Contains("target 256", html, StringComparison.Ordinal); // validation tables
        Assert.Contains("target 128 (generation)", html, StringComparison.Ordinal); // history progress

        var cached = File.ReadAllText(Path.Combine(job.Dir.Root, "sweep.json"));
        (exit, stdout, stderr) = TestJob.Cli("report", "--out", job.Dir.Root, "--threads", "2");
        Assert.True(exit == 0, stderr);
        Assert.Contains("0 evaluated, 27 from", stdout, StringComparison.Ordinal);
        Assert.Equal(cached, File.ReadAllText(Path.Combine(job.Dir.Root, "sweep.json")));

        // The cache is keyed on contents, not paths: the job directory moved elsewhere keeps it...
        var moved = job.File("elsewhere/deeper/job");
        CopyDirectory(job.Dir.Root, moved);
        (exit, stdout, stderr) = TestJob.Cli("report", "--out", moved, "--threads", "2");
        Assert.True(exit == 0, stderr);
        Assert.Contains("0 evaluated, 27 from " + Path.Combine(moved, "sweep.json"), stdout, StringComparison.Ordinal);

        // ...and validation documents edited in place (same path) discard it.
        var validation = job.File("validation");
        CopyDirectory(RepoPaths.ValidationData, validation);
        var spec = JsonNode.Parse(File.ReadAllText(Path.Combine(moved, "job.json")))!.AsObject();
        spec["validation"] = validation;
        File.WriteAllText(Path.Combine(moved, "job.json"), spec.ToJsonString());
        (exit, stdout, stderr) = TestJob.Cli("report", "--out", moved, "--threads", "2", "--lengths", "1x");
        Assert.True(exit == 0, stderr);
        Assert.Contains("0 evaluated, 9 from", stdout, StringComparison.Ordinal); // same bytes: same cache
        var doc = Directory.GetFiles(validation).Order(StringComparer.Ordinal).First();
        File.AppendAllText(doc, " edited");
        (exit, stdout, stderr) = TestJob.Cli("report", "--out", moved, "--threads", "2", "--lengths", "1x");
        Assert.True(exit == 0, stderr);
        Assert.Contains("another model, validation data", stderr, StringComparison.Ordinal);
        Assert.Contains("9 evaluated, 0 from", stdout, StringComparison.Ordinal);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        foreach (var d in Directory.GetDirectories(from)) CopyDirectory(d, Path.Combine(to, Path.GetFileName(d)));
    }

    [Fact]
    public void Explicit_lengths_are_swept_and_missing_documents_are_a_note()
    {
        using var job = new TestJob();
        var (exit, stdout, stderr) = TestJob.Cli("report", "--out", job.Dir.Root, "--lengths", "1x,2x,1000000", "--threads", "2");
        Assert.True(exit == 0, stderr);
        Assert.Contains("× 3 lengths", stdout, StringComparison.Ordinal);
        Assert.Contains("18 evaluated", stdout, StringComparison.Ordinal);
        Assert.Contains("length 1000000 skipped", stderr, StringComparison.Ordinal);
        Assert.Contains("length 1000000 skipped", File.ReadAllText(job.Dir.Report), StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_without_best_files_is_a_clear_error()
    {
        using var job = new TestJob(withBest: false);
        var (exit, _, stderr) = TestJob.Cli("report", "--out", job.Dir.Root);
        Assert.Equal(ExitCodes.BadInput, exit);
        Assert.Contains("best/long-<L>.json", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Default_sweep_lengths_double_from_L0_to_the_largest_target()
    {
        Assert.Equal([64, 128, 256], Jobs.ReportSweep.DefaultLengths(64, 256));
        Assert.Equal([4096, 8192, 16384, 24576], Jobs.ReportSweep.DefaultLengths(4096, 24576));
        var methods = Jobs.ReportSweep.Methods([("longrope L=256", TestJob.Long256)], new RopeGeometry(16, 10000, 64), 4);
        Assert.Equal(["longrope L=256", "none", "pi s=4", "ntk s=4", "yarn s=4", "llama3 s=4", "dynamic-ntk s=4"], methods.Select(m => m.Name).ToArray());
        Assert.Equal([true, false, false, false, false, false, false], methods.Select(m => m.Searched).ToArray());
    }

    [Fact]
    public void A_missing_history_is_said_on_the_terminal_and_in_the_page()
    {
        using var job = new TestJob();
        File.Delete(job.Dir.History);
        var (exit, _, stderr) = TestJob.Cli("report", "--out", job.Dir.Root, "--lengths", "1x", "--threads", "2");
        Assert.True(exit == 0, stderr);
        Assert.Contains($"warning: {job.Dir.History} is missing", stderr, StringComparison.Ordinal);
        var html = File.ReadAllText(job.Dir.Report);
        var progress = html[html.IndexOf("<section id=\"progress\">", StringComparison.Ordinal)..];
        Assert.Contains($"{job.Dir.History} is missing", progress, StringComparison.Ordinal);
    }

    [Fact]
    public void The_deployable_set_of_a_target_is_swept_beside_its_best()
    {
        var deployable = TestJob.Long256.With(lambda: [1.0, 1.3, 1.9, 2.6, 3.2, 3.7, 4.1, 4.4]);
        using var job = new TestJob(long256: TestJob.Long256.With(nHat: 8), deployable256: deployable);
        var (exit, _, stderr) = TestJob.Cli("report", "--out", job.Dir.Root, "--lengths", "1x", "--threads", "2");
        Assert.True(exit == 0, stderr);
        var html = File.ReadAllText(job.Dir.Report);
        Assert.Contains("data-series=\"longrope L=256 deployable n̂=0\"", html, StringComparison.Ordinal);
        Assert.Contains("longrope (searched, deployable n̂=0)", html, StringComparison.Ordinal); // its validation row
    }
}
