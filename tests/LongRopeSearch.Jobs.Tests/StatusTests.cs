using System.Globalization;
using System.Text.Json.Nodes;
using LongRopeSearch.Cli;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// `longrope status --out DIR` (in-process through Program.Run) for a finished, a stopped, a running and a not
/// started job; expected cells come from the job's other outputs (best files, history, the reference run).
/// Columns: job, state, stage, generation, evaluations, best ppl, rate, ETA, note.
/// </summary>
public sealed class StatusTests
{
    [Fact]
    public void A_finished_job_shows_its_last_stage_all_evaluations_and_its_best()
    {
        var reference = ReferenceJob.Value;
        var (code, text) = Status("--out", reference.Output);
        Assert.Equal(0, code);
        var row = Row(text, JobKit.JobId);
        var shortBest = JsonNode.Parse(File.ReadAllText(Path.Combine(reference.Output, "best", "short-64.json")))!;
        Assert.Equal("finished", row[1]);
        Assert.Equal("short 64", row[2]);
        Assert.Equal("4/4", row[3]); // all four generations of the last stage ran
        Assert.Equal($"{reference.Total}/{reference.Total}", row[4]);
        Assert.Equal(Ppl((double)shortBest["search_ppl"]!), row[5]);
        Assert.EndsWith("evals/s", row[6], StringComparison.Ordinal);
        Assert.Equal("-", row[7]); // no ETA once finished
        Assert.Equal("", row[8]);
    }

    [Fact]
    public void A_stopped_job_shows_where_it_stands_and_running_when_locked()
    {
        var reference = ReferenceJob.Value;
        const int done = 20;
        using var dir = new TempDir();
        var spec = JobKit.StoppedJob(dir, done);
        var next = reference.Rows[done]; // the evaluation the job continues with
        var stageSoFar = reference.Rows.Take(done).Where(r => r.Stage == next.Stage && r.TargetLength == next.TargetLength && !r.Abandoned).ToList();

        var (code, text) = Status("--out", spec.Output);
        Assert.Equal(0, code);
        var row = Row(text, JobKit.JobId);
        Assert.Equal("stopped", row[1]);
        Assert.Equal($"target {next.TargetLength}", row[2]);
        Assert.Equal($"{next.Generation + 1}/4", row[3]);
        Assert.StartsWith($"{done}/", row[4], StringComparison.Ordinal);
        Assert.Equal(Ppl(stageSoFar.Min(r => r.Ppl)), row[5]);
        Assert.Matches(@"^(\d+d )?\d\d:\d\d:\d\d$", row[7]); // an ETA while work remains ("3d 04:12:00" past a day)

        using (JobLock.Acquire(spec.Output))
            Assert.Equal("running", Row(Status("--out", spec.Output).Text, JobKit.JobId)[1]);

        var empty = Directory.CreateDirectory(dir.File("empty")).FullName;
        Assert.Equal(["empty", "not started", "-", "-", "-", "-", "-", "-", ""], Row(Status("--out", empty).Text, "empty"));
    }

    [Fact]
    public void A_missing_directory_is_bad_input()
    {
        using var dir = new TempDir();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(ExitCodes.BadInput, Program.Run(["status", "--out", dir.File("nope")], stdout, stderr));
        Assert.Contains("--out", stderr.ToString(), StringComparison.Ordinal);
        Assert.Contains(dir.File("nope"), stderr.ToString(), StringComparison.Ordinal);
    }

    internal static (int Code, string Text) Status(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var code = Program.Run(["status", .. args], stdout, stderr);
        Assert.True(stderr.ToString().Length == 0, stderr.ToString());
        return (code, stdout.ToString());
    }

    /// <summary>The cells of the table row whose first cell is <paramref name="job"/>.</summary>
    internal static string[] Row(string table, string job)
    {
        var rows = table.Split('\n')
            .Where(l => l.TrimStart().StartsWith('│'))
            .Select(l => l.Trim().Trim('│').Split('│').Select(c => c.Trim()).ToArray())
            .Where(cells => cells[0] == job)
            .ToList();
        Assert.True(rows.Count == 1, $"expected one row for {job} in:\n{table}");
        return rows[0];
    }

    private static string Ppl(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
}
