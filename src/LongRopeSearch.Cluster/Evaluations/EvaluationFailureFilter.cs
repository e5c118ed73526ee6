using Hangfire.States;
using Hangfire.Storage;
using LongRopeSearch.Cluster.Workers;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Cluster.Evaluations;

/// <summary>
/// When Hangfire moves an evaluation to Failed (its retries exhausted), record it in longrope.evaluation_failures with
/// the reason, so the job's coordinator can fail the job naming the candidate and the error.
/// </summary>
public sealed class EvaluationFailureFilter(EvaluationStore store, WorkerIdentity me, ILogger<EvaluationFailureFilter> logger) : IApplyStateFilter
{
    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (context.NewState is not FailedState failed) return;
        var job = context.BackgroundJob.Job;
        if (job?.Type != typeof(EvaluationJob) || job.Args.Count == 0 || job.Args[0] is not string json) return;
        var request = EvaluationRequest.FromJson(json);
        var retries = context.Connection.GetJobParameter(context.BackgroundJob.Id, "RetryCount");
        var attempts = 1 + (int.TryParse(retries, System.Globalization.CultureInfo.InvariantCulture, out var r) ? r : 0);
        var error = $"{failed.Exception.GetType().Name}: {failed.Exception.Message}";
        logger.LogError("{Label} failed after {Attempts} attempt(s): {Error}", request.Label, attempts, error);
        store.RecordFailureAsync(request, attempts, error, me.Id, CancellationToken.None).GetAwaiter().GetResult();
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction) { }
}
