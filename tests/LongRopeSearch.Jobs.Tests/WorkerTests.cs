using System.Text.Json.Nodes;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// The hosted worker: a bad job is marked failed with its reason (also in its own status.json when it has an output
/// directory) and the next one still runs; SIGTERM stops the running job at an evaluation boundary with a checkpoint
/// and the process exits 0; a restarted worker resumes it to the same result as an uninterrupted run.
/// </summary>
public sealed class WorkerTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_bad_job_is_marked_failed_and_the_good_one_finishes()
    {
        var reference = ReferenceJob.Value;
        using var dir = new TempDir();
        var jobs = WriteJobsDir(dir, withBadJob: true);

        await RunWorkerUntilIdle(dir, jobs);

        var failed = JobQueue.FailedMarker(Path.Combine(jobs, "a-bad.json"));
        Assert.True(File.Exists(failed), "no a-bad.failed");
        var reason = File.ReadAllText(failed);
        Assert.Contains(Path.Combine(jobs, "no-such-model"), reason, StringComparison.Ordinal);
        Assert.Contains("no such", reason, StringComparison.Ordinal);
        Assert.Equal([("a-bad", JobPhase.Failed), ("b-good", JobPhase.Finished)], JobQueue.List(jobs).Select(e => (e.Name, e.Phase)));
        JobSnapshot.AssertSame(reference.Snapshot, JobSnapshot.Take(Path.Combine(jobs, "out", JobKit.JobId)));

        // `status --jobs` shows both, the failed one pointing at its .failed file.
        var (code, text) = StatusTests.Status("--jobs", jobs);
        Assert.Equal(0, code);
        var bad = StatusTests.Row(text, "a-bad");
        var good = StatusTests.Row(text, "b-good");
        Assert.Equal("failed", bad[1]);
        Assert.Equal("see the .failed file", bad[8]);
        Assert.Equal("finished", good[1]);
        Assert.Equal($"{reference.Total}/{reference.Total}", good[4]);
    }

    [Fact]
    public async Task A_job_failing_after_a_checkpoint_reads_failed_in_its_own_status()
    {
        using var dir = new TempDir();
        var stopped = JobKit.StoppedJob(dir, evaluations: 20);
        var jobDir = new JobDirectory(stopped.Output);
        var before = JobStatus.Load(jobDir.Status)!;
        Assert.Equal("stopped", StatusTests.Row(StatusTests.Status("--out", jobDir.Root).Text, JobKit.JobId)[1]);

        // Dropped into a worker's queue with another seed: the checkpoint's fingerprint no longer matches, so the job
        // is refused after it has taken its directory's lock.
        var jobs = Directory.CreateDirectory(dir.File("jobs")).FullName;
        var specPath = Path.Combine(jobs, "again.json");
        (stopped with { Seed = 99 }).Save(specPath);
        await RunWorkerUntilIdle(dir, jobs);

        var reason = File.ReadAllText(JobQueue.FailedMarker(specPath)).Trim();
        Assert.Contains("fingerprint.space", reason, StringComparison.Ordinal);
        var after = JobStatus.Load(jobDir.Status)!;
        Assert.Equal(JobPhase.Failed, after.State);
        Assert.Equal(reason, after.Error);
        // The progress of the last checkpoint stays readable.
        Assert.Equal((before.Stage, before.Generation, before.Evaluations, before.BestPpl), (after.Stage, after.Generation, after.Evaluations, after.BestPpl));
        Assert.Equal(20, after.Evaluations);

        var row = StatusTests.Row(StatusTests.Status("--out", jobDir.Root).Text, JobKit.JobId);
        Assert.Equal("failed", row[1]);
        Assert.StartsWith("20/", row[4], StringComparison.Ordinal);
        Assert.Equal("-", row[7]); // no ETA: nothing will continue it by itself
        Assert.Equal("failed", StatusTests.Row(StatusTests.Status("--jobs", jobs).Text, "again")[1]);
    }

    [Fact]
    public void Sigterm_stops_the_worker_with_a_checkpoint_and_a_restart_finishes_the_job()
    {
        var reference = ReferenceJob.Value;
        using var dir = new TempDir();
        var jobs = WriteJobsDir(dir, withBadJob: false);
        var jobDir = new JobDirectory(Path.Combine(jobs, "out", JobKit.JobId));

        using (var worker = CliProcess.Start(dir.PathName, "worker", "--jobs", jobs, "--exit-when-idle"))
        {
            Assert.True(worker.WaitUntil(() => (JobStatus.Load(jobDir.Status)?.Evaluations ?? 0) >= 40, Patience), "no progress: " + worker.Describe());
            worker.Terminate();
            Assert.True(worker.WaitForExit(TimeSpan.FromSeconds(10)), "the worker did not stop within 10 s of SIGTERM: " + worker.Describe());
            Assert.True(worker.ExitCode == 0, worker.Describe());
            Assert.Contains("stopped at an evaluation boundary", worker.Stderr + worker.Stdout, StringComparison.Ordinal);
        }
        var state = JobState.Load(jobDir.State);
        Assert.Equal(JobPhase.Running, state.Status);
        Assert.InRange(state.Evaluations, 40, reference.Total - 1);
        Assert.Equal([("b-good", JobPhase.Stopped)], JobQueue.List(jobs).Select(e => (e.Name, e.Phase)));
        ExactResumeTests.AssertCheckpointIsAPrefixOfTheReference(jobDir.Root, reference);

        using (var again = CliProcess.Start(dir.PathName, "worker", "--jobs", jobs, "--exit-when-idle"))
        {
            Assert.True(again.WaitForExit(Patience), "the restarted worker did not finish: " + again.Describe());
            Assert.True(again.ExitCode == 0, again.Describe());
        }
        Assert.Equal([("b-good", JobPhase.Finished)], JobQueue.List(jobs).Select(e => (e.Name, e.Phase)));
        JobSnapshot.AssertSame(reference.Snapshot, JobSnapshot.Take(jobDir.Root));
    }

    /// <summary>Runs the hosted worker in-process over <paramref name="jobs"/> until it has no job left.</summary>
    private static async Task RunWorkerUntilIdle(TempDir dir, string jobs)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = dir.PathName });
        builder.Services.Configure<WorkerOptions>(o =>
        {
            o.Jobs = jobs;
            o.ExitWhenIdle = true;
            o.PollInterval = TimeSpan.FromMilliseconds(50);
        });
        builder.Services.AddSingleton<IHostLifetime, QuietLifetime>(); // no console/signal handlers inside the test process
        builder.Logging.ClearProviders();
        builder.Services.AddHostedService<JobWorker>();
        using var host = builder.Build();
        await host.RunAsync().WaitAsync(Patience); // TimeoutException if the worker does not exit when idle
    }

    /// <summary>
    /// jobs/a-bad.json (its model does not exist) and jobs/b-good.json: the reference job, written the way a user
    /// would drop it in: paths relative to the spec file, explicit targets and short length equal to the space's.
    /// </summary>
    private static string WriteJobsDir(TempDir dir, bool withBadJob)
    {
        var jobs = Directory.CreateDirectory(dir.File("jobs")).FullName;
        Directory.CreateDirectory(Path.Combine(jobs, "spaces"));
        File.WriteAllText(Path.Combine(jobs, "spaces", "small.json"), JobKit.SpaceJson);
        JsonObject Spec(string model) => new()
        {
            ["id"] = JobKit.JobId,
            ["model"] = model,
            ["data"] = JobKit.SearchData,
            ["validation"] = JobKit.ValidationData,
            ["space"] = "spaces/small.json",
            ["targets"] = new JsonArray("2x", "4x"),
            ["short_length"] = 64,
            ["output"] = "out/" + JobKit.JobId,
        };
        if (withBadJob)
        {
            var bad = Spec("no-such-model");
            bad["output"] = "out/bad";
            File.WriteAllText(Path.Combine(jobs, "a-bad.json"), bad.ToJsonString());
        }
        File.WriteAllText(Path.Combine(jobs, "b-good.json"), Spec(JobKit.Model).ToJsonString());
        return jobs;
    }

    private sealed class QuietLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
