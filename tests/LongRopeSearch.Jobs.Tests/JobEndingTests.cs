using LongRopeSearch.Cli;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// Every way a job ends leaves its status true, and every way the CLI ends says which: finished (0), stopped by a
/// signal (130, resumable), failed (2 for bad input, with the reason in status), killed (status: interrupted), an
/// unreadable checkpoint or status file (status: corrupt, exit 2 naming the file). Bad input is found before the
/// first evaluation and before anything is written.
/// </summary>
public sealed class JobEndingTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public void Sigterm_stops_a_search_with_exit_130_and_resume_finishes_it_exactly()
    {
        var reference = ReferenceJob.Value;
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir);
        using (var cli = CliProcess.Start(dir.PathName, "search", "--model", JobKit.Model, "--data", JobKit.SearchData,
                   "--validation", JobKit.ValidationData, "--space", spec.Space, "--out", spec.Output))
        {
            Assert.True(cli.WaitUntil(() => (JobStatus.Load(new JobDirectory(spec.Output).Status)?.Evaluations ?? 0) >= 5, Patience), "no progress: " + cli.Describe());
            cli.Terminate();
            Assert.True(cli.WaitForExit(TimeSpan.FromSeconds(30)), "the search did not stop on SIGTERM: " + cli.Describe());
            Assert.True(cli.ExitCode == ExitCodes.Cancelled, cli.Describe());
            Assert.Equal("stopped; continue with: longrope resume --out " + spec.Output, cli.Stdout.Split('\n')[0].TrimEnd('\r'));
        }
        var row = StatusTests.Row(StatusTests.Status("--out", spec.Output).Text, JobKit.JobId);
        Assert.Equal("stopped", row[1]);

        var (code, stdout, stderr) = RelocationTests.Cli("resume", "--out", spec.Output);
        Assert.True(code == ExitCodes.Ok, stderr);
        Assert.StartsWith("done: results in " + spec.Output, RelocationTests.LastLine(stdout), StringComparison.Ordinal);
        JobSnapshot.AssertSame(reference.Snapshot, JobSnapshot.Take(spec.Output));
    }

    [Fact]
    public void A_run_that_fails_leaves_failed_with_the_reason_not_running()
    {
        using var dir = new TempDir();
        var spec = JobKit.StoppedJob(dir, evaluations: 20);
        var space = File.ReadAllText(spec.Space);
        File.WriteAllText(spec.Space, space.Replace("\"population\": 12", "\"population\": 10", StringComparison.Ordinal));

        var (code, _, stderr) = RelocationTests.Cli("resume", "--out", spec.Output);
        Assert.Equal(ExitCodes.BadInput, code);
        var reason = stderr.Split('\n')[0];
        Assert.StartsWith($"error: {new JobDirectory(spec.Output).State}: fingerprint.space: ", reason, StringComparison.Ordinal);

        var row = StatusTests.Row(StatusTests.Status("--out", spec.Output).Text, JobKit.JobId);
        Assert.Equal("failed", row[1]);
        Assert.StartsWith("20/", row[4], StringComparison.Ordinal); // the checkpoint's progress, from the checkpoint
        Assert.Equal("-", row[7]); // nothing continues it by itself: no ETA
        Assert.Contains("fingerprint.space", row[8], StringComparison.Ordinal);

        // Put right, the same job resumes and its status follows.
        File.WriteAllText(spec.Space, space);
        Assert.Equal(ExitCodes.Ok, RelocationTests.Cli("resume", "--out", spec.Output).Code);
        Assert.Equal("finished", StatusTests.Row(StatusTests.Status("--out", spec.Output).Text, JobKit.JobId)[1]);
    }

    [Fact]
    public void A_spec_pointed_at_another_jobs_directory_is_refused_without_touching_its_status()
    {
        using var dir = new TempDir();
        var spec = JobKit.StoppedJob(dir, evaluations: 10);
        var jobDir = new JobDirectory(spec.Output);
        var status = File.ReadAllBytes(jobDir.Status);
        using var cts = new CancellationTokenSource();
        var e = Assert.Throws<Core.InputException>(() => JobKit.RunOnce(spec with { Id = "another-job" }, cts));
        Assert.Equal(jobDir.Spec, e.Origin);
        Assert.Equal("id", e.Field);
        Assert.Equal(status, File.ReadAllBytes(jobDir.Status));
        Assert.Equal("stopped", StatusTests.Row(StatusTests.Status("--out", spec.Output).Text, JobKit.JobId)[1]);
    }

    [Fact]
    public void A_corrupt_checkpoint_is_shown_corrupt_and_refused_naming_the_file()
    {
        using var dir = new TempDir();
        var spec = JobKit.StoppedJob(dir, evaluations: 20);
        var state = new JobDirectory(spec.Output).State;
        File.WriteAllText(state, File.ReadAllText(state)[..200]); // cut mid-file, as a copy that ran out of space

        var (code, stdout, stderr) = Status("--out", spec.Output);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith($"error: {state}: ", stderr.Split('\n')[0], StringComparison.Ordinal);
        Assert.Contains("expected a job checkpoint written by longrope, found ", stderr.Split('\n')[0], StringComparison.Ordinal);
        var row = StatusTests.Row(stdout, JobKit.JobId);
        Assert.Equal("corrupt", row[1]); // not "stopped 20/…" as if it could be resumed
        Assert.Equal("-", row[7]);

        var resume = RelocationTests.Cli("resume", "--out", spec.Output);
        Assert.Equal(ExitCodes.BadInput, resume.Code);
        Assert.StartsWith($"error: {state}: ", resume.Err.Split('\n')[0], StringComparison.Ordinal);
        Assert.Equal("corrupt", StatusTests.Row(Status("--out", spec.Output).Out, JobKit.JobId)[1]);
    }

    [Fact]
    public void A_corrupt_status_file_is_named_not_listed_as_queued()
    {
        using var dir = new TempDir();
        var spec = JobKit.StoppedJob(dir, evaluations: 20);
        var status = new JobDirectory(spec.Output).Status;
        File.WriteAllText(status, "{ \"state\": \"runing\" }");

        var (code, stdout, stderr) = Status("--out", spec.Output);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith($"error: {status}: state: expected a status.json written by longrope, found \"runing\" is not a job state", stderr.Split('\n')[0], StringComparison.Ordinal);
        var row = StatusTests.Row(stdout, JobKit.JobId);
        Assert.Equal("interrupted", row[1]); // the checkpoint restores: resumable, with its own progress
        Assert.StartsWith("20/", row[4], StringComparison.Ordinal);

        // In a worker's queue the job is neither "queued" (a new job) nor hidden: it is resumed first, which
        // rewrites the status.
        var jobs = Directory.CreateDirectory(dir.File("jobs")).FullName;
        spec.Save(Path.Combine(jobs, "j.json"));
        var entry = Assert.Single(JobQueue.List(jobs));
        Assert.Equal(JobPhase.Interrupted, entry.Phase);
        Assert.Equal(entry.Name, JobQueue.Next(jobs)?.Name);
    }

    [Fact]
    public void Too_few_long_validation_documents_fail_before_anything_is_written()
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir);
        var validation = Directory.CreateDirectory(dir.File("few-docs")).FullName;
        foreach (var f in Directory.GetFiles(JobKit.ValidationData).Order(StringComparer.Ordinal).Take(3))
            File.Copy(f, Path.Combine(validation, Path.GetFileName(f)));

        var (code, _, stderr) = RelocationTests.Cli("search", "--model", JobKit.Model, "--data", JobKit.SearchData,
            "--validation", validation, "--space", spec.Space, "--out", spec.Output);
        Assert.Equal(ExitCodes.BadInput, code);
        // 4 validation samples = 2 × the space's 2 search samples; the first stage is the 128-token target.
        Assert.StartsWith($"error: {validation}: expected at least 4 documents of at least 128 tokens for target 128 (4: 2 × the search space's samples (2) in {spec.Space})",
            stderr.Split('\n')[0], StringComparison.Ordinal);
        Assert.False(Directory.Exists(spec.Output), "a job with too few validation documents wrote its directory");
    }

    [Fact]
    public void A_space_asking_for_too_many_samples_fails_before_writing_and_the_same_out_then_works()
    {
        using var dir = new TempDir();
        var spec = JobKit.NewJob(dir, JobKit.SpaceJson.Replace("\"samples\": 2", "\"samples\": 100", StringComparison.Ordinal));
        string[] search = ["search", "--model", JobKit.Model, "--data", JobKit.SearchData, "--validation", JobKit.ValidationData, "--space", spec.Space, "--out", spec.Output];

        var (code, _, stderr) = RelocationTests.Cli(search);
        Assert.Equal(ExitCodes.BadInput, code);
        Assert.StartsWith($"error: {JobKit.SearchData}: expected at least 100 documents of at least 128 tokens for target 128 (100: the search space's samples in {spec.Space})",
            stderr.Split('\n')[0], StringComparison.Ordinal);
        Assert.False(Directory.Exists(spec.Output));

        // Fixed, the same command and --out run the job (nothing of the refused attempt is in the way).
        File.WriteAllText(spec.Space, JobKit.SpaceJson);
        (code, _, stderr) = RelocationTests.Cli(search);
        Assert.True(code == ExitCodes.Ok, stderr);
        JobSnapshot.AssertSame(ReferenceJob.Value.Snapshot, JobSnapshot.Take(spec.Output));
    }

    private static (int Code, string Out, string Err) Status(params string[] args) => RelocationTests.Cli(["status", .. args]);
}
