using System.Collections.Concurrent;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.Core;
using LongRopeSearch.Engine;
using LongRopeSearch.Jobs;
using LongRopeSearch.Search;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Cluster.Integration;

/// <summary>
/// A worker's engine: evaluates a work item of any job whose model it has. The job's spec comes from the database;
/// the model is this machine's own copy, found by fingerprint among the folders given to <c>longrope worker
/// --model</c>; the documents are read from the spec's paths, which must exist on every worker (shared or copied).
/// The model weights, engine and sample sets of a job are loaded on its first item and kept (one job at a time).
/// Each item goes through <see cref="EngineCandidateEvaluator"/>, the embedded mode's evaluator, on the same path as
/// an in-process search step (prefix steps, the frozen rule), so a worker gives the bits and the score (prefix sums,
/// tokens, FLOPs) an in-process run gives. It continues after the samples an earlier attempt finished and hands on
/// each sample it finishes (<see cref="InFlightSamples"/>, kept in the database by <see cref="EvaluationJob"/>).
/// As in process, the first non-finite score makes the evaluator read this worker's weights once: a NaN/Inf there
/// fails the attempt with an InputException naming the file and tensor, so after its retries the failure is recorded
/// with that reason and the job is marked failed. A failed attempt drops the loaded job: the next attempt here loads
/// the model again (a repaired copy is used, a broken one is checked again), never returns the score the check refused.
/// </summary>
public sealed class WorkerEvaluator(ClusterJobs jobs, IReadOnlyDictionary<string, string> modelsByFingerprint, int threads, ILogger logger) : IDisposable
{
    private readonly ConcurrentDictionary<string, (JobContext Job, JobEngine Engine, EngineCandidateEvaluator Evaluator)> _loaded = new();

    /// <summary>The models a set of folders holds, by fingerprint; a folder that is not a model is a bad input.</summary>
    public static IReadOnlyDictionary<string, string> Models(IEnumerable<string> folders)
    {
        var map = new Dictionary<string, string>();
        foreach (var folder in folders)
        {
            var full = Path.GetFullPath(folder);
            if (!File.Exists(Path.Combine(full, "config.json")))
                throw new InputException(folder, "config.json", "a model folder this worker can load (config.json and safetensors; --model)", "no such file");
            map[JobFingerprint.OfModel(full)] = full;
        }
        return map;
    }

    /// <summary>The step's evaluation as in process: in the stage's prefix steps, offered to the generation's rule.</summary>
    public CandidateScore Evaluate(EvaluationRequest request, InFlightSamples inFlight, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(inFlight);
        var (_, _, evaluator) = _loaded.TryGetValue(request.JobId, out var hit) ? hit : Load(request, ct);
        try
        {
            return evaluator.Evaluate(StepCodec.Factors(request), request.Length, request.PrefixEnds, StepCodec.Rule(request),
                // Samples kept by an interrupted attempt include a screened continuation's own (they continue the same
                // evaluation), so they win over the request's.
                inFlight.Completed ?? request.CompletedSamples, inFlight.SampleFinished, ct);
        }
        catch
        {
            Unload(request.JobId);
            throw;
        }
    }

    private void Unload(string jobId)
    {
        if (_loaded.TryRemove(jobId, out var gone)) gone.Engine.Dispose();
    }

    private (JobContext, JobEngine, EngineCandidateEvaluator) Load(EvaluationRequest request, CancellationToken ct)
    {
        foreach (var old in _loaded.Keys) Unload(old);
        var row = jobs.GetAsync(request.JobId, ct).GetAwaiter().GetResult()
            ?? throw new InvalidOperationException($"{request.Label}: job {request.JobId} is not in the cluster database");
        var spec = ClusterJobSpec.FromJson(row.SpecJson).Spec;
        if (!modelsByFingerprint.TryGetValue(request.Signature.ModelFingerprint, out var model))
            throw new InvalidOperationException($"{request.Label}: this worker has no model of fingerprint {request.Signature.ModelFingerprint} (queue routing broken)");
        var job = new JobContext(new FileJobStore(spec.Output), spec with { Model = model });
        logger.LogInformation("job {Id}: loading model {Model} and samples from {Data}", spec.Id, model, spec.Data);
        var engine = job.OpenEngine(new ForwardPassOptions { Threads = threads });
        try
        {
            var loaded = (job, engine, new EngineCandidateEvaluator(engine.Evaluator, job.Samples, engine.Model));
            _loaded[request.JobId] = loaded;
            return loaded;
        }
        catch
        {
            engine.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var (_, e, _) in _loaded.Values) e.Dispose();
        _loaded.Clear();
    }
}
