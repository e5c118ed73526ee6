using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.Cluster.Workers;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Cluster.TestHost;

/// <summary>
/// A stand-in coordinator for the recoverable-coordinator test: a long-running Hangfire job on the coordinator queue
/// that takes the job's lease, resumes from the generation stored in longrope.jobs (its checkpoint), and advances one
/// generation per step, checkpointing each. Marker "coord-&lt;pid&gt;-from-&lt;g&gt;" records where each run resumed.
/// </summary>
public sealed class SpikeCoordinatorJob(ClusterDatabase db, WorkerIdentity me, ILogger<SpikeCoordinatorJob> logger)
{
    public async Task RunAsync(string jobId, int generations, int stepMs, string markerDir, CancellationToken ct)
    {
        var jobs = new ClusterJobs(db);
        CoordinatorLease? lease;
        while ((lease = await CoordinatorLease.TryAcquireAsync(db, jobId, ct)) is null)
            await Task.Delay(200, ct);  // the previous coordinator's session has not ended yet
        await using (lease)
        {
            await jobs.SetCoordinatorAsync(jobId, me.Id, ct);
            var row = await jobs.GetAsync(jobId, ct) ?? throw new InvalidOperationException($"no job {jobId}");
            var generation = row.Generation ?? 0;
            File.WriteAllText(Path.Combine(markerDir, $"coord-{Environment.ProcessId}-from-{generation}"), "");
            logger.LogInformation("coordinating {Job} from generation {Generation}", jobId, generation);
            while (generation < generations)
            {
                await Task.Delay(stepMs, ct);
                if (!await lease.VerifyAsync(ct)) throw new InvalidOperationException($"lost the lease of {jobId}");
                generation++;
                await jobs.UpdateProgressAsync(jobId, generation == generations ? "done" : "running", "long-64", generation, null, null, ct);
            }
        }
    }
}
