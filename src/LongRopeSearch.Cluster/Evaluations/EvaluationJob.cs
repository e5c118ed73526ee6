using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Search;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Cluster.Evaluations;

/// <summary>
/// The evaluator a worker runs: the engine's fitness for one request (pluggable: the CLI supplies the engine),
/// continuing after the samples <paramref name="inFlight"/> holds and handing it each sample it finishes.
/// </summary>
public delegate CandidateScore EvaluateCandidate(EvaluationRequest request, InFlightSamples inFlight, CancellationToken ct);

/// <summary>
/// The Hangfire job a worker performs for one work item. Skips an evaluation already recorded (a redelivery after
/// its first run finished), marks the worker busy, evaluates, records the result exactly once, marks it idle. Every
/// database step retries through <see cref="ConnectionRetry"/>, so a PostgreSQL restart mid-evaluation costs a pause,
/// not the evaluation. Every sample the evaluator finishes with more to do is kept in the database, and an attempt
/// (a redelivery after its worker died, or a retry) continues after the samples kept by the attempts before it.
/// An exception from the evaluator fails the attempt; Hangfire retries it (on any eligible worker) and after the last
/// attempt <see cref="EvaluationFailureFilter"/> records the failure.
/// </summary>
public sealed class EvaluationJob(
    EvaluateCandidate evaluate, WorkerIdentity me, WorkerRegistry registry, EvaluationStore store,
    ConnectionRetry retry, ILogger<EvaluationJob> logger)
{
    /// <summary>Hangfire's entry point (the argument is <see cref="EvaluationRequest.ToJson"/>; Hangfire passes its shutdown token as <paramref name="ct"/>).</summary>
    public async Task RunAsync(string requestJson, CancellationToken ct)
    {
        var request = EvaluationRequest.FromJson(requestJson);
        if (!me.Signatures.Contains(request.Signature))
            throw new InvalidOperationException($"{request.Label} needs {request.Signature}; worker {me.Id} serves {string.Join("; ", me.Signatures)} (queue routing broken)");
        if (await retry.RunAsync($"checking {request.Label}", c => store.ExistsAsync(request.JobId, request.Stage, request.CandidateId, c), ct))
        {
            logger.LogInformation("{Label} is already recorded (redelivered after it finished); skipped", request.Label);
            return;
        }
        await retry.RunAsync("marking this worker busy", c => registry.SetBusyAsync(me.Id, request.Label, finishedOne: false, c), ct);
        logger.LogInformation("evaluating {Label} ({Key}) at length {Length}", request.Label, request.FactorKey, request.Length);
        var completed = await retry.RunAsync($"reading the finished samples of {request.Label}", c => store.ReadInFlightAsync(request, c), ct);
        if (completed is not null)
            logger.LogInformation("{Label}: continuing after {Samples} sample(s) finished by an earlier attempt", request.Label, completed.Count);
        // On the engine's thread, between two samples: one small write per sample, retried through an outage like any step.
        var inFlight = new InFlightSamples(completed, done =>
        {
            retry.RunAsync($"keeping the finished samples of {request.Label}", c => store.SaveInFlightAsync(request, done, me.Id, c), ct).GetAwaiter().GetResult();
            logger.LogInformation("{Label}: {Samples} sample(s) finished, kept in the database", request.Label, done.Count);
        });
        CandidateScore result;
        try
        {
            // Hours of CPU on the engine's own threads: a dedicated thread, not a thread-pool one, waits for it.
            result = await Task.Factory.StartNew(() => evaluate(request, inFlight, ct), ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        }
        catch
        {
            // Failed or cancelled: the status view must not show this worker busy on it any more. One try only, so a
            // shutdown is never held up by an unreachable database (the next item or the clean stop clears it then).
            try
            {
                await registry.SetBusyAsync(me.Id, null, finishedOne: false, CancellationToken.None);
            }
            catch (Exception e) when (ConnectionRetry.IsTransient(e))
            {
                logger.LogWarning("could not clear busy-on after {Label} ended without a result: {Reason}", request.Label, e.Message);
            }
            throw;
        }
        var stored = await retry.RunAsync($"recording {request.Label}", c => store.TryRecordAsync(request, result, me.Id, c), ct);
        await retry.RunAsync("marking this worker idle", c => registry.SetBusyAsync(me.Id, null, finishedOne: stored, c), ct);
        logger.LogInformation("{Label}: mean NLL {Mean:0.000000}{Abandoned} in {Seconds:0.00} s{Duplicate}", request.Label, result.MeanNll,
            result.Abandoned ? " (abandoned)" : "", result.Seconds, stored ? "" : "; another worker recorded it first, this copy was dropped");
    }
}
