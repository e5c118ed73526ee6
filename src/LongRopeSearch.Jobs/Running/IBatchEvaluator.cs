using LongRopeSearch.Search;

namespace LongRopeSearch.Jobs;

/// <summary>
/// How a job's generations are evaluated: the runner hands over every pending step of the running generation (all
/// with the generation's one frozen abandon rule) and takes each result as it comes. One seam for every mode: the
/// in-process evaluator (<see cref="InProcessBatchEvaluator"/>: one after the other on this machine's engine) and the
/// cluster's (evaluations as work items on other machines). Contract:
/// <list type="bullet">
/// <item>Call <c>onResult</c> exactly once per step, on one thread at a time, in any order; the runner records it
/// (checkpoint, progress) before it returns.</item>
/// <item>Every score must be the <see cref="ICandidateEvaluator"/> contract's pure function of (factors, length,
/// abandon rule), so where and in which order the steps ran never changes the result.</item>
/// <item>Honour <paramref name="ct"/> by throwing <see cref="OperationCanceledException"/>; steps not yet reported
/// are offered again by the next run.</item>
/// </list>
/// </summary>
public interface IBatchEvaluator : IDisposable
{
    void Evaluate(IReadOnlyList<SearchStep> steps, Action<SearchStep, CandidateScore> onResult, CancellationToken ct);
}

/// <summary>What a batch evaluator of a job may need: the job and its engine (the in-process evaluator scores on it).</summary>
public sealed record BatchEvaluatorContext(JobContext Job, JobEngine Engine);

/// <summary>Builds a job run's batch evaluator (the default: <see cref="InProcessBatchEvaluator.Create"/>).</summary>
public delegate IBatchEvaluator BatchEvaluatorFactory(BatchEvaluatorContext context);

/// <summary>
/// The embedded mode: each step through <see cref="EngineCandidateEvaluator"/> on this process's engine, in id order,
/// one after the other (exactly the sequential loop of earlier versions, so the history and best factors are the same
/// bits).
/// </summary>
public sealed class InProcessBatchEvaluator(ICandidateEvaluator evaluator) : IBatchEvaluator
{
    public static IBatchEvaluator Create(BatchEvaluatorContext context) =>
        new InProcessBatchEvaluator(new EngineCandidateEvaluator(context.Engine.Evaluator, context.Job.Samples, context.Engine.Model));

    /// <summary>
    /// The samples of a step that an interrupted run already finished (null: none), for an
    /// <see cref="EngineCandidateEvaluator"/> to continue after them.
    /// </summary>
    public Func<SearchStep, IReadOnlyList<double[]>?>? ResumeFrom { get; set; }

    /// <summary>After each finished sample of a step with more to do: the finished samples' step sums (to checkpoint).</summary>
    public Action<SearchStep, IReadOnlyList<double[]>>? SampleFinished { get; set; }

    public void Evaluate(IReadOnlyList<SearchStep> steps, Action<SearchStep, CandidateScore> onResult, CancellationToken ct)
    {
        foreach (var step in steps)
        {
            ct.ThrowIfCancellationRequested();
            var score = evaluator is EngineCandidateEvaluator engine
                ? engine.Evaluate(step, ResumeFrom?.Invoke(step), SampleFinished is { } f ? done => f(step, done) : null, ct)
                : evaluator.Evaluate(step, ct);
            onResult(step, score);
        }
    }

    public void Dispose() { }
}
