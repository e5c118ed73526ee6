using Hangfire;
using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Hosting;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Cluster.Integration;

/// <summary>
/// A job's coordinator, run as a long Hangfire job on the <see cref="WorkerHostSettings.CoordinatorQueue"/> queue of
/// some worker: takes the job's <see cref="CoordinatorLease"/>, runs the same <see cref="JobRunner"/> as the embedded
/// mode on the job's shared directory (its checkpoint), with the generations evaluated by the cluster
/// (<see cref="ClusterBatchEvaluator"/>), mirrors progress into longrope.jobs, and ends the job done or failed with
/// the reason. Killed, its lease ends with its session and Hangfire hands the job to another worker after the
/// invisibility timeout; that one continues from the last checkpoint.
/// </summary>
public sealed class CoordinatorJob(
    ClusterDatabase db, JobStorage storage, ClusterJobs jobs, EvaluationStore store, EvaluationWaiter waiter,
    ConnectionRetry retry, WorkerIdentity me, ClusterOptions options, ILoggerFactory loggers)
{
    /// <summary>Enqueues the coordinator of <paramref name="jobId"/> (the submitter does this once).</summary>
    public static string Enqueue(JobStorage storage, string jobId) =>
        new BackgroundJobClient(storage).Create<CoordinatorJob>(j => j.RunAsync(jobId, CancellationToken.None),
            new Hangfire.States.EnqueuedState(WorkerHostSettings.CoordinatorQueue));

    [AutomaticRetry(Attempts = 0)]
    public async Task RunAsync(string jobId, CancellationToken ct)
    {
        var log = loggers.CreateLogger("coordinator");
        // A copy that finds the job coordinated elsewhere (lease or directory held) waits and takes over when the other
        // ends, instead of ending itself: after a database restart longer than the invisibility timeout, Hangfire hands
        // this job to a second worker while the first still runs it, and the first then loses the lease (its session was
        // cut). Ending either copy could leave nobody coordinating (docs/cluster.md, "PostgreSQL restarted mid-job").
        var waiting = false;
        while (true)
        {
            var row = await retry.RunAsync($"reading job {jobId}", c => jobs.GetAsync(jobId, c), ct)
                ?? throw new InvalidOperationException($"cluster job {jobId} does not exist");
            if (row.Status is "done" or "failed")
            {
                log.LogInformation("job {Id} is {Status}; nothing to coordinate", jobId, row.Status);
                return;
            }
            var reason = await TryCoordinateAsync(jobId, row, log, ct);
            if (reason is null) return;
            if (!waiting) log.LogWarning("job {Id}: {Reason}; this copy waits to take over", jobId, reason);
            waiting = true;
            await Task.Delay(options.HeartbeatInterval, ct);
        }
    }

    /// <summary>Coordinates the job to its end (null), or says why another coordinator has it now.</summary>
    private async Task<string?> TryCoordinateAsync(string jobId, ClusterJobRow row, ILogger log, CancellationToken ct)
    {
        await using var lease = await retry.RunAsync($"taking the lease of {jobId}", c => CoordinatorLease.TryAcquireAsync(db, jobId, c), ct);
        if (lease is null) return "another coordinator holds the lease";
        var cluster = ClusterJobSpec.FromJson(row.SpecJson);
        await retry.RunAsync("recording the coordinator", c => jobs.SetCoordinatorAsync(jobId, me.Id, c), ct);
        log.LogInformation("coordinating job {Id} from {Dir} on {Queue}", jobId, cluster.Spec.Output, cluster.Signature.Queue);
        var dispatcher = new EvaluationDispatcher(storage);
        var runner = new JobRunner(cluster.Spec, log, batches: _ =>
            new ClusterBatchEvaluator(jobId, cluster.Signature, dispatcher, store, waiter, lease, retry, log));
        runner.Checkpointed += p => retry.RunAsync("mirroring progress", c => jobs.UpdateProgressAsync(jobId, "running", p.StageName,
            p.Generation, p.BestPerplexity, p.Eta?.TotalSeconds, c), ct).GetAwaiter().GetResult();
        try
        {
            var outcome = await Task.Factory.StartNew(() => runner.Run(ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            if (outcome == JobOutcome.Cancelled)
            {
                // This worker is stopping: Hangfire re-offers the coordinator; the next one continues from the checkpoint.
                ct.ThrowIfCancellationRequested();
                return null;
            }
            var final = JobOverview.Of(new FileJobStore(cluster.Spec.Output));
            await retry.RunAsync("marking the job done", c => jobs.UpdateProgressAsync(jobId, "done", final.Progress?.Stage, final.Progress?.Generation,
                final.Progress?.BestPpl, 0, c), CancellationToken.None);
            log.LogInformation("job {Id} done", jobId);
            return null;
        }
        catch (InputException e) when (e.Message.Contains(JobLock.LockFile, StringComparison.Ordinal))
        {
            // The previous coordinator (cut off from the database, lease lost) still holds the job directory for a moment.
            return $"its directory is still held by another coordinator ({e.Message})";
        }
        catch (CoordinatorLeaseLostException)
        {
            return "another coordinator took the lease while this one was cut off from the database";
        }
        catch (Exception e) when (ConnectionRetry.IsTransient(e) && !ct.IsCancellationRequested)
        {
            // Past every retry inside the runner: begin again from the checkpoint (the lease is taken anew).
            return $"the database was unreachable ({e.Message})";
        }
        catch (Exception e) when (e is not OperationCanceledException && !ConnectionRetry.IsTransient(e))
        {
            var reason = e is InputException ? e.Message : $"{e.GetType().Name}: {e.Message}";
            log.LogError("job {Id} failed: {Reason}", jobId, reason);
            await retry.RunAsync("marking the job failed", c => jobs.FailAsync(jobId, reason, c), CancellationToken.None);
            return null;
        }
    }
}
