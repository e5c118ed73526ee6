using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Hosting;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.Cluster.Workers;

namespace LongRopeSearch.Cluster.Integration;

/// <summary>A worker with the unfinished jobs it cannot serve (another numerics version, SIMD level or model).</summary>
public sealed record WorkerView(WorkerRow Worker, IReadOnlyList<string> CannotServe);

/// <summary>
/// What `status --cluster` and `serve --cluster` show, read once: workers (alive, busy on what, evaluations done,
/// which jobs they cannot serve), jobs (stage, generation, best ppl, ETA, error) and the recent evaluation failures.
/// </summary>
public sealed record ClusterOverview(string Where, IReadOnlyList<WorkerView> Workers, IReadOnlyList<ClusterJobRow> Jobs, IReadOnlyList<EvaluationFailure> Failures)
{
    public static async Task<ClusterOverview> ReadAsync(ClusterDatabase db, CancellationToken ct)
    {
        var options = new ClusterOptions();
        var workers = await new WorkerRegistry(db).ListAsync(options.WorkerAliveWindow, ct);
        var jobs = await new ClusterJobs(db).ListAsync(ct);
        var specs = jobs.ToDictionary(j => j.Id, j => ClusterJobSpec.FromJson(j.SpecJson));
        var views = workers.Select(w => new WorkerView(w, jobs
            .Where(j => j.Status is not ("done" or "failed") && !w.Signatures.Contains(specs[j.Id].Signature.Queue))
            .Select(j => $"{j.Id} (needs {specs[j.Id].Signature}; this worker has numerics {w.NumericsVersion})").ToList())).ToList();
        var store = new EvaluationStore(db);
        var failures = new List<EvaluationFailure>();
        foreach (var j in jobs) failures.AddRange(await store.ReadFailuresAsync(j.Id, ct));
        return new ClusterOverview(db.Where, views, jobs, failures.OrderByDescending(f => f.FailedAt).Take(20).ToList());
    }
}
