using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Jobs;
using LongRopeSearch.Search;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Cluster.Integration;

/// <summary>
/// The coordinator's <see cref="IBatchEvaluator"/>: a generation's steps become work items on the job's numerics
/// queue, results come back from longrope.evaluations in any order. Steps already recorded (a coordinator that
/// continues after another one died) are not enqueued again: their results are taken as they are, so nothing is
/// evaluated or counted twice. Before each result is handed to the runner (which checkpoints it) the lease is
/// verified, so a coordinator that lost its lease never writes a checkpoint.
/// </summary>
public sealed class ClusterBatchEvaluator(
    string jobId, NumericsSignature signature, EvaluationDispatcher dispatcher, EvaluationStore store, EvaluationWaiter waiter,
    CoordinatorLease lease, ConnectionRetry retry, ILogger logger) : IBatchEvaluator
{
    public void Evaluate(IReadOnlyList<SearchStep> steps, Action<SearchStep, CandidateScore> onResult, CancellationToken ct)
    {
        if (steps.Count == 0) return;
        var stage = StepCodec.StageName(steps[0]);
        var byId = steps.ToDictionary(s => s.Candidate.Id);
        var ids = byId.Keys.ToList();
        var recorded = retry.RunAsync($"reading results of {jobId}/{stage}", c => store.ReadAsync(jobId, stage, ids, c), ct).GetAwaiter().GetResult();
        var have = recorded.Select(r => r.CandidateId).ToHashSet();
        var enqueued = 0;
        foreach (var step in steps.Where(s => !have.Contains(s.Candidate.Id)))
        {
            var request = StepCodec.ToRequest(jobId, step, signature);
            retry.RunAsync($"enqueuing {request.Label}", _ => Enqueue(request), ct).GetAwaiter().GetResult();
            enqueued++;
        }
        logger.LogInformation("{Job}/{Stage} generation {Generation}: {Enqueued} evaluations enqueued on {Queue}, {Recorded} already recorded",
            jobId, stage, steps[0].Candidate.Generation, enqueued, signature.Queue, have.Count);
        waiter.WaitAsync(jobId, stage, ids, record =>
        {
            if (!retry.RunAsync($"verifying the lease of {jobId}", lease.VerifyAsync, ct).GetAwaiter().GetResult())
                throw new CoordinatorLeaseLostException(jobId);
            onResult(byId[record.CandidateId], record.Score);
        }, ct).GetAwaiter().GetResult();
    }

    // Hangfire wraps a lost connection in BackgroundJobClientException: unwrap it so ConnectionRetry waits and retries.
    private Task<string> Enqueue(EvaluationRequest request)
    {
        try
        {
            return Task.FromResult(dispatcher.Enqueue(request));
        }
        catch (Hangfire.BackgroundJobClientException e) when (e.InnerException is { } inner && ConnectionRetry.IsTransient(inner))
        {
            return Task.FromException<string>(inner);
        }
    }

    public void Dispose() { }
}

/// <summary>Another coordinator holds this job's lease now (this one was cut off longer than the invisibility timeout).</summary>
public sealed class CoordinatorLeaseLostException(string jobId)
    : Exception($"job {jobId}: another coordinator holds the lease; this one stops without writing a checkpoint");
