using Hangfire;
using Hangfire.Common;
using Hangfire.States;

namespace LongRopeSearch.Cluster.Evaluations;

/// <summary>
/// The coordinator's side of handing out work: each request becomes a Hangfire job on its numerics signature's queue,
/// where only eligible workers listen. Returns Hangfire's job id (for the dashboard and for cancelling).
/// </summary>
public sealed class EvaluationDispatcher(JobStorage storage)
{
    private readonly BackgroundJobClient _client = new(storage);

    public string Enqueue(EvaluationRequest request)
    {
        var json = request.ToJson();
        var job = Job.FromExpression<EvaluationJob>(j => j.RunAsync(json, CancellationToken.None), request.Signature.Queue);
        return _client.Create(job, new EnqueuedState(request.Signature.Queue));
    }

    /// <summary>Deletes a job that is no longer needed (e.g. a superseded generation); a running one is cancelled at its next check.</summary>
    public bool Cancel(string hangfireJobId) => _client.Delete(hangfireJobId);
}
