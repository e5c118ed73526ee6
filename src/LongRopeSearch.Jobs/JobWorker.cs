using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace LongRopeSearch.Jobs;

/// <summary>Settings of the hosted worker (section "Worker" of appsettings.json, env LONGROPE_Worker__..., or the command line).</summary>
public sealed class WorkerOptions
{
    /// <summary>Directory of job specs (*.json).</summary>
    public string Jobs { get; set; } = "jobs";

    /// <summary>How often to look for new jobs when idle.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Exit once no job is left instead of waiting for more (for scripts and tests).</summary>
    public bool ExitWhenIdle { get; set; }
}

/// <summary>
/// The long-running service: runs the jobs of a directory one at a time, resuming checkpointed ones first.
/// A bad job is marked failed with its reason (a .failed file next to its spec, and its status.json) and the worker
/// goes on with the next. On SIGTERM / Ctrl-C the host cancels the stopping token; the running job stops at its next
/// evaluation boundary with its checkpoint on disk.
/// </summary>
public sealed class JobWorker(IOptions<WorkerOptions> options, ILogger<JobWorker> log, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        // The search is CPU-bound and synchronous: give it its own thread rather than a thread-pool slot.
        Task.Factory.StartNew(() => Loop(stoppingToken), stoppingToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private void Loop(CancellationToken stop)
    {
        var o = options.Value;
        Directory.CreateDirectory(o.Jobs);
        log.LogInformation("Worker watching {Jobs}", Path.GetFullPath(o.Jobs));
        while (!stop.IsCancellationRequested)
        {
            var next = JobQueue.Next(o.Jobs);
            if (next is null)
            {
                if (o.ExitWhenIdle)
                {
                    log.LogInformation("No jobs left; exiting");
                    lifetime.StopApplication();
                    return;
                }
                stop.WaitHandle.WaitOne(o.PollInterval);
                continue;
            }
            RunOne(next, stop);
        }
        log.LogInformation("Worker stopped");
    }

    private void RunOne(JobEntry entry, CancellationToken stop)
    {
        log.LogInformation("Job {Name} ({State}): starting", entry.Name, entry.QueueState);
        JobSpec? spec = null;
        try
        {
            spec = JobSpec.Load(entry.SpecPath);
            var outcome = new JobRunner(spec, log).Run(stop);
            log.LogInformation("Job {Name}: {Outcome}", entry.Name, outcome);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            log.LogInformation("Job {Name}: stopped", entry.Name);
        }
        catch (Exception e)
        {
            // One bad job must not take the service down: record why and go on with the next.
            log.LogError(e, "Job {Name} failed", entry.Name);
            var reason = e is Core.InputException ? e.Message : e.ToString();
            JobQueue.MarkFailed(entry, reason);
            if (spec is not null) RecordFailureInStatus(entry.Name, spec, reason);
        }
    }

    /// <summary>
    /// Writes State = "failed" and the reason into the job's own status.json, when its output directory exists:
    /// `status --out DIR` reads only that file, and a job that failed after its first checkpoint would otherwise
    /// read "stopped" there (the .failed marker lives next to the spec, in the jobs directory). The progress fields
    /// of the last checkpoint are kept. Nothing is written into a directory that belongs to another job (its job.json
    /// names another id) or that another process owns (writing takes the job's lock). The marker stays the truth for
    /// the queue (removing it retries the job, which resumes from state.json and rewrites status.json), so this is
    /// best effort.
    /// </summary>
    private void RecordFailureInStatus(string name, JobSpec spec, string reason)
    {
        if (!Directory.Exists(spec.Output)) return;
        var dir = new JobDirectory(spec.Output);
        try
        {
            if (File.Exists(dir.Spec) && JobSpec.Load(dir.Spec).Id != spec.Id) return;
            using var jobLock = JobLock.Acquire(dir.Root);
            var status = JobStatus.TryLoad(dir.Status) ?? new JobStatus();
            status.State = "failed";
            status.Error = reason;
            status.UpdatedAt = DateTimeOffset.UtcNow;
            status.Save(dir.Status);
        }
        catch (Exception e) when (e is Core.InputException or IOException or UnauthorizedAccessException)
        {
            log.LogWarning("Job {Name}: could not record the failure in {Status}: {Reason}", name, dir.Status, e.Message);
        }
    }
}
