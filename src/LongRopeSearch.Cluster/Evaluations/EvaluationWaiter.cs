using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LongRopeSearch.Cluster.Evaluations;

/// <summary>An evaluation of the batch whose attempts were exhausted: the coordinator fails the job with this reason.</summary>
public sealed class EvaluationFailedException(EvaluationFailure failure)
    : Exception($"candidate {failure.CandidateId} of {failure.JobId}/{failure.Stage} failed after {failure.Attempts} attempt(s): {failure.Error}")
{
    public EvaluationFailure Failure { get; } = failure;
}

/// <summary>
/// The coordinator's side of gathering results: waits until every candidate of a batch has a recorded evaluation,
/// handing each to <c>onResult</c> as it arrives (in arrival order, which callers must not depend on). Woken by
/// NOTIFY on <see cref="EvaluationStore.Channel"/>; the table is re-read after every wake-up and every reconnection,
/// so a notification lost while the database restarted costs at most <see cref="ClusterOptions.ResultPollInterval"/>.
/// </summary>
public sealed class EvaluationWaiter(ClusterDatabase db, ClusterOptions options, ConnectionRetry retry, ILogger<EvaluationWaiter> logger)
{
    public async Task<IReadOnlyList<EvaluationRecord>> WaitAsync(
        string jobId, string stage, IReadOnlyCollection<long> candidates, Action<EvaluationRecord>? onResult, CancellationToken ct)
    {
        var pending = new HashSet<long>(candidates);
        var done = new List<EvaluationRecord>(candidates.Count);
        while (pending.Count > 0)
        {
            await retry.RunAsync($"waiting for results of {jobId}/{stage}", async c =>
            {
                await using var connection = await db.OpenDedicatedAsync(c);
                // A notification can arrive while a read below is running; Npgsql raises the event then, and
                // WaitAsync would wait for the next one. The flag remembers it, so no result waits for the poll.
                var notified = false;
                connection.Notification += (_, e) => notified |= e.Payload == jobId;
                await using (var listen = new NpgsqlCommand($"LISTEN {EvaluationStore.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(c);
                while (pending.Count > 0)
                {
                    notified = false;
                    foreach (var record in await EvaluationStore.ReadAsync(connection, jobId, stage, pending, c))
                    {
                        // Handed over first: a transient failure inside onResult (the lease check) retries this
                        // read, and the record must still be pending then, or its result would never reach the runner.
                        onResult?.Invoke(record);
                        pending.Remove(record.CandidateId);
                        done.Add(record);
                    }
                    if (pending.Count == 0) break;
                    var failure = (await EvaluationStore.ReadFailuresAsync(connection, jobId, c))
                        .FirstOrDefault(f => f.Stage == stage && pending.Contains(f.CandidateId));
                    if (failure is not null) throw new EvaluationFailedException(failure);
                    if (!notified) await connection.WaitAsync(options.ResultPollInterval, c);
                }
            }, ct);
        }
        logger.LogDebug("{Job}/{Stage}: all {Count} results in", jobId, stage, done.Count);
        return done;
    }
}
