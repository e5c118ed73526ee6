using System.Diagnostics;
using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Engine;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using LongRopeSearch.Store;
using LongRopeSearch.Store.History;
using LongRopeSearch.Store.Validation;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Jobs;

/// <summary>How a run of a job ended (a failure is an exception, recorded in the job's status first).</summary>
public enum JobOutcome
{
    Finished,

    /// <summary>Stopped at an evaluation boundary on request; the checkpoint is on disk and `resume` continues.</summary>
    Cancelled,
}

/// <summary>
/// Runs one job to the end or until cancelled: the progressive LongRoPE search over the job's targets and short
/// length, with a checkpoint after every evaluation, history rows flushed once per generation, and at the end of
/// each stage its best factor set and the validation table against the classic methods. Everything is read and
/// written through the job's <see cref="IJobStore"/>, and every way a run ends is recorded in the job's status:
/// stopped, finished, or failed with the reason. The foreground `search`/`resume` and the hosted worker run jobs
/// through this class.
/// </summary>
public sealed class JobRunner
{
    private readonly JobContext _job;
    private readonly ILogger _log;
    private readonly IProgress<SearchProgress>? _progress;
    private readonly BatchEvaluatorFactory _batches;

    /// <param name="batches">How generations are evaluated; null: in this process (<see cref="InProcessBatchEvaluator"/>).</param>
    public JobRunner(JobContext job, ILogger logger, IProgress<SearchProgress>? progress = null, BatchEvaluatorFactory? batches = null)
    {
        _job = job;
        _log = logger;
        _progress = progress;
        _batches = batches ?? InProcessBatchEvaluator.Create;
    }

    /// <summary>A job given by its spec, kept in the spec's output directory.</summary>
    public JobRunner(JobSpec spec, ILogger logger, IProgress<SearchProgress>? progress = null, BatchEvaluatorFactory? batches = null)
        : this(JobContext.For(spec), logger, progress, batches)
    {
    }

    /// <summary>Raised after every checkpoint (a cluster coordinator mirrors the progress into its database).</summary>
    public event Action<SearchProgress>? Checkpointed;

    /// <summary>Raised when a stage's validation table is ready (the CLI prints it).</summary>
    public event Action<ValidationTable>? StageValidated;

    private IJobStore Store => _job.Store;

    public JobOutcome Run(CancellationToken ct)
    {
        // A new job checks everything it will need (inputs, space, plan, enough long documents for every stage)
        // before it writes anything, so a bad input neither costs a first stage nor leaves a half-made directory.
        ProgressiveSearch? fresh = Store.HasState ? null : Prepare();
        using var lease = Store.Acquire();
        foreach (var repair in lease.Repairs) _log.LogInformation("Job {Id}: {Repair}", _job.Id, repair);
        // Another job's directory is refused before anything is written there, its status included.
        if (Store.LoadSpec() is { } stored && stored.Id != _job.Id)
            throw new InputException(Store.NameOf(JobArtifact.Spec), "id", $"the job \"{_job.Id}\" (this directory holds another job: choose another output directory)", $"\"{stored.Id}\"");
        try
        {
            return RunLeased(fresh, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            RecordFailure(e);
            throw;
        }
    }

    private ProgressiveSearch Prepare()
    {
        _job.RequireInputs();
        var search = _job.StartSearch();
        _job.CheckSamples(search.Stages);
        _ = _job.Fingerprint;
        return search;
    }

    private JobOutcome RunLeased(ProgressiveSearch? fresh, CancellationToken ct)
    {
        JobState state;
        ProgressiveSearch search;
        var history = Store.OpenHistory(new Dictionary<string, string>
        {
            ["job_id"] = _job.Id,
            ["code_version"] = JobFingerprint.CurrentCodeVersion(),
            ["model"] = _job.Spec.Model,
        });
        if (Store.LoadState() is { } saved)
        {
            _job.RequireInputs();
            saved.Fingerprint.EnsureMatches(_job.Fingerprint, Store.NameOf(JobArtifact.State));
            if (saved.Status == JobPhase.Finished)
            {
                _log.LogInformation("Job {Id} in {Location} is already finished", _job.Id, Store.Location);
                return JobOutcome.Finished;
            }
            search = saved.RestoreSearch(_job.Seeds, Store.NameOf(JobArtifact.State));
            _job.CheckSamples(search.Stages);
            state = saved;
            history.TruncateTo(state.HistoryRowsCommitted);
            Store.SaveStatus(JobStatus.From(state, search.Progress, JobPhase.Running));
            _log.LogInformation("Resuming job {Id}: {Evals} evaluations done, {Pending} history rows pending", _job.Id, state.Evaluations, state.PendingRows.Count);
        }
        else
        {
            search = fresh ?? Prepare();
            Store.SaveSpec(_job.Spec);
            state = new JobState { Fingerprint = _job.Fingerprint, StartedAt = DateTimeOffset.UtcNow, Search = search.Snapshot() };
            Save(state, search, JobPhase.Running);
            _log.LogInformation("Started job {Id}: targets {Targets}, short {Short}, output {Location}", _job.Id,
                string.Join(",", _job.Plan.Targets), _job.Plan.ShortLength?.ToString(CultureInfo.InvariantCulture) ?? "none", Store.Location);
        }

        using var engine = _job.OpenEngine(_job.RunEngineOptions);
        using var evaluator = _batches(new BatchEvaluatorContext(_job, engine));
        if (evaluator is InProcessBatchEvaluator inProcess) KeepSamplesInFlight(inProcess, state, search);
        _log.LogInformation("Job {Id}: L0 = {L0} ({Source}){Published}", _job.Id, _job.OriginalLength, _job.OriginalLengthSource,
            _job.Config.RopeScaling is { } published ? $"; the published rope_scaling ({published.Describe()}) is a seed and the \"{published.Label}\" validation row" : "");
        var validator = new StageValidator(engine.Evaluator, _job.Samples, _job.Geometry, _log, _job.Config.RopeScaling);
        try
        {
            RunLoop(state, search, history, evaluator, validator, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The checkpoint is the state before the evaluation that was interrupted.
            return Stop(state, search);
        }
        if (ct.IsCancellationRequested && !search.IsFinished) return Stop(state, search);

        state.Status = JobPhase.Finished;
        Save(state, search, JobPhase.Finished);
        _log.LogInformation("Job {Id} finished: {Evals} evaluations, {Seconds:F0} s evaluating", _job.Id, state.Evaluations, state.EvaluationSeconds);
        return JobOutcome.Finished;
    }

    private void RunLoop(JobState state, ProgressiveSearch search, IJobHistory history,
        IBatchEvaluator evaluator, StageValidator validator, CancellationToken ct)
    {
        // The checkpoint is the truth: a run killed between checkpointing a table and rewriting validation.json
        // (or one written before the order below was fixed) would otherwise end without that table in the file.
        if (state.Validations.Count > 0) Store.SaveValidation(new ValidationFile(_job.Id, state.Validations));
        ValidatePendingStages(state, search, validator, ct);
        // A generation at a time (a screened generation in two rounds): every pending step goes to the evaluator,
        // results come back in any order and each is checkpointed at once; the generation (and maybe its stage) ends
        // with its last result. History rows are the evaluations each report makes final (a screen result is final
        // only once the screen has dropped its child), written when the generation ends.
        while (!search.IsFinished && !ct.IsCancellationRequested)
        {
            var steps = search.PendingSteps();
            var left = steps.Count;
            var stagesDone = search.Completed.Count;
            var generation = search.CurrentSearcher?.Generation;
            evaluator.Evaluate(steps, (step, score) =>
            {
                var finals = search.Report(step.Candidate.Id, score);
                state.InFlight = null;
                state.Evaluations += finals.Count;
                state.EvaluationSeconds += score.Seconds;
                foreach (var f in finals) state.PendingRows.Add(Row(step, f.Candidate, f.Score));
                if (!double.IsFinite(score.MeanNll) || !score.PerSampleNll.All(double.IsFinite))
                    _log.LogWarning("{Kind} {Length} candidate #{Id} ({Origin}): non-finite NLL {Nll} (per sample: {Samples}); ranked last, as an abandoned candidate",
                        step.Kind, step.Length, step.Candidate.Id, step.Candidate.Origin, score.MeanNll,
                        string.Join(", ", score.PerSampleNll.Select(v => v.ToString("R", CultureInfo.InvariantCulture))));
                if (--left == 0 && (search.Completed.Count > stagesDone || search.CurrentSearcher?.Generation != generation))
                {
                    // Rows in candidate-id order whatever order the results came in (in process they already are).
                    var rows = state.PendingRows.OrderBy(r => r.CandidateId).ToList();
                    history.Append(rows);
                    state.HistoryRowsCommitted += rows.Count;
                    state.PendingRows.Clear();
                    if (search.Completed.Count > stagesDone) WriteBest(search.Completed[^1]);
                }
                Save(state, search, JobPhase.Running);
                _progress?.Report(search.Progress);
                Checkpointed?.Invoke(search.Progress);
            }, ct);
            if (left != 0) throw new InvalidOperationException($"the batch evaluator returned {steps.Count - left} of {steps.Count} results");
            if (search.Completed.Count > stagesDone) ValidatePendingStages(state, search, validator, ct);
        }
    }

    /// <summary>
    /// The samples an evaluation finishes are checkpointed (<see cref="JobState.InFlight"/>) and a resumed run continues
    /// that candidate after them: a kill loses at most the sample in flight.
    /// </summary>
    private void KeepSamplesInFlight(InProcessBatchEvaluator evaluator, JobState state, ProgressiveSearch search)
    {
        evaluator.ResumeFrom = step =>
        {
            if (state.InFlight is not { } f || f.StageIndex != step.StageIndex || f.CandidateId != step.Candidate.Id) return null;
            _log.LogInformation("Candidate #{Id}: continuing its evaluation after {Done} samples kept in the checkpoint", step.Candidate.Id, f.Samples.Count);
            return f.Samples;
        };
        evaluator.SampleFinished = (step, done) =>
        {
            state.InFlight = new InFlightEvaluation { StageIndex = step.StageIndex, CandidateId = step.Candidate.Id, Samples = done.Select(a => (double[])a.Clone()).ToList() };
            Save(state, search, JobPhase.Running);
        };
    }

    private JobOutcome Stop(JobState state, ProgressiveSearch search)
    {
        Store.SaveStatus(JobStatus.From(state, search.Progress, JobPhase.Stopped));
        _log.LogInformation("Job {Id} stopped at an evaluation boundary after {Evals} evaluations; checkpoint {State}", _job.Id, state.Evaluations, Store.NameOf(JobArtifact.State));
        return JobOutcome.Cancelled;
    }

    /// <summary>
    /// Marks the job failed with the reason in its status, keeping the last checkpoint's progress, so `status` tells
    /// the truth (a failed run used to read "running" forever). Best effort: when even that write fails (a full
    /// disk), the failure itself still reaches the caller.
    /// </summary>
    private void RecordFailure(Exception e)
    {
        var reason = e is InputException ? e.Message : $"{e.GetType().Name}: {e.Message}";
        try
        {
            JobStatus status;
            try
            {
                status = Store.LoadStatus() ?? new JobStatus();
            }
            catch (InputException unreadable)
            {
                _log.LogWarning("Job {Id}: replacing an unreadable status ({Reason})", _job.Id, unreadable.Message);
                status = new JobStatus();
            }
            status.State = JobPhase.Failed;
            status.Error = reason;
            status.UpdatedAt = DateTimeOffset.UtcNow;
            Store.SaveStatus(status);
        }
        catch (Exception w) when (w is IOException or UnauthorizedAccessException)
        {
            _log.LogWarning("Job {Id}: could not record the failure in {Status}: {Reason}", _job.Id, Store.NameOf(JobArtifact.Status), w.Message);
        }
    }

    private void Save(JobState state, ProgressiveSearch search, JobPhase phase)
    {
        state.Search = search.Snapshot();
        state.UpdatedAt = DateTimeOffset.UtcNow;
        Store.SaveState(state);
        Store.SaveStatus(JobStatus.From(state, search.Progress, phase));
    }

    /// <summary>The history row of <paramref name="candidate"/>'s final score, at <paramref name="step"/>'s stage.</summary>
    private HistoryRow Row(SearchStep step, Candidate candidate, CandidateScore score) => new()
    {
        JobId = _job.Id,
        Stage = step.Kind.Text(),
        TargetLength = step.Length,
        Generation = candidate.Generation,
        CandidateId = candidate.Id,
        Origin = candidate.Origin,
        Lambda = candidate.Factors.Lambda.ToArray(),
        NHat = candidate.Factors.NHat,
        AttentionFactor = candidate.Factors.AttentionFactor,
        PerSampleNll = score.PerSampleNll,
        MeanNll = score.MeanNll,
        Ppl = score.Perplexity,
        Abandoned = score.Abandoned,
        Seconds = score.Seconds,
        Timestamp = DateTimeOffset.UtcNow,
        Tokens = score.Tokens,
        Flops = score.Flops,
    };

    private void WriteBest(StageResult result)
    {
        if (!double.IsFinite(result.Best.Score.MeanNll))
            throw new NonFiniteScoreException(string.Create(CultureInfo.InvariantCulture,
                $"{result.Stage.Name}: every fully evaluated candidate scored a non-finite NLL (best: {result.Best.Score.MeanNll}); the weights are finite, so the forward pass overflows at this length (see the warnings above; `longrope eval --factors` on one of them names the layer)"));
        var (best, deployable) = StageBestFiles.Write(Store, _job, result);
        _log.LogInformation("{Stage}: best ppl {Ppl:F4} ({Origin} #{Id}), best deployable (n̂ = 0) ppl {Deployable}, written to {Location}", result.Stage.Name, best,
            result.Best.Candidate.Origin, result.Best.Candidate.Id, deployable?.ToString("F4", CultureInfo.InvariantCulture) ?? "none", Store.NameOf(JobArtifact.Best));
    }

    /// <summary>Validates every finished stage that has no table yet (also after a resume that was killed mid-validation).</summary>
    private void ValidatePendingStages(JobState state, ProgressiveSearch search, StageValidator validator, CancellationToken ct)
    {
        foreach (var done in search.Completed)
        {
            if (state.Validations.Any(v => v.Stage == done.Stage.Name)) continue;
            if (!StageBestFiles.AreWritten(Store, done)) WriteBest(done);
            var clock = Stopwatch.StartNew();
            var table = validator.Validate(done, ct);
            state.Validations.Add(table);
            // validation.json first: killed in between, the resumed run validates the stage again (same numbers)
            // and rewrites both, whereas the other order could leave the table only in the checkpoint.
            Store.SaveValidation(new ValidationFile(_job.Id, state.Validations));
            Save(state, search, JobPhase.Running);
            _log.LogInformation("{Stage}: validation table ready in {Seconds:F1} s", done.Stage.Name, clock.Elapsed.TotalSeconds);
            StageValidated?.Invoke(table);
        }
    }
}
