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
/// A bad job is marked failed with its reason (a .failed file next to its spec; the runner also records it in the
/// job's status) and the worker goes on with the next. On SIGTERM / Ctrl-C the host cancels the stopping token; the running job stops at its next
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
        log.LogInformation("Job {Name} ({State}): starting", entry.Name, entry.Phase.Text());
        try
        {
            var outcome = new JobRunner(JobSpec.Load(entry.SpecPath), log).Run(stop);
            log.LogInformation("Job {Name}: {Outcome}", entry.Name, outcome);
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            log.LogInformation("Job {Name}: stopped", entry.Name);
        }
        catch (Exception e)
        {
            // One bad job must not take the service down: record why and go on with the next. The runner has
            // already written the reason into the job's own status when it got as far as owning its directory.
            log.LogError(e, "Job {Name} failed", entry.Name);
            JobQueue.MarkFailed(entry, e is Core.InputException ? e.Message : e.ToString());
        }
    }
}
