using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using LongRopeSearch.Core;
using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using LongRopeSearch.Store.History;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Jobs;

/// <summary>How a run of a job ended.</summary>
public enum JobOutcome
{
    Finished,

    /// <summary>Stopped at an evaluation boundary on request; the checkpoint is on disk and `resume` continues.</summary>
    Cancelled,
}

/// <summary>
/// Runs one job to the end or until cancelled: the progressive LongRoPE search over the job's targets and short
/// length, with a checkpoint after every evaluation, history rows flushed to Parquet once per generation, and at
/// the end of each stage its best factor file and the validation table against the classic methods.
/// The foreground `search` command and the hosted worker both run jobs through this class.
/// </summary>
public sealed class JobRunner
{
    private readonly JobSpec _spec;
    private readonly ILogger _log;
    private readonly IProgress<SearchProgress>? _progress;

    public JobRunner(JobSpec spec, ILogger logger, IProgress<SearchProgress>? progress = null)
    {
        _spec = spec;
        _log = logger;
        _progress = progress;
    }

    /// <summary>Raised when a stage's validation table is ready (the CLI prints it).</summary>
    public event Action<StageValidation>? StageValidated;

    public JobOutcome Run(CancellationToken ct)
    {
        RequireInputs();
        var dir = new JobDirectory(_spec.Output);
        using var jobLock = JobLock.Acquire(dir.Root);
        if (dir.RemoveStaleTempFiles() is > 0 and var stale)
            _log.LogInformation("Removed {Count} temporary files of writes interrupted by a kill", stale);
        using var model = ModelFolder.Open(_spec.Model);
        var config = model.Config;
        var geometry = new RopeGeometry(config.HeadDim, config.RopeTheta, config.OriginalMaxPositionEmbeddings);
        var space = SearchSpaceFile.Load(_spec.Space, config.RotaryPairs, config.OriginalMaxPositionEmbeddings);
        if (_spec.Seed is { } seed) space = space with { Seed = seed };
        var plan = Plan(space, config.OriginalMaxPositionEmbeddings);
        var planText = JsonSerializer.Serialize(new { plan.Targets, plan.ShortLength, space.Seed });
        var fingerprint = JobFingerprint.Compute(_spec, planText);
        var seeds = SeedProvider.FromDelegate(stage => Baselines.All(geometry, Math.Max(1.0, stage.Scale))
            .Select(b => new SeedCandidate(b.Name, b.Factors)).ToList());
        var history = new HistoryLog(dir.History, new Dictionary<string, string>
        {
            ["job_id"] = _spec.Id,
            ["code_version"] = fingerprint.CodeVersion,
            ["model"] = _spec.Model,
        });

        JobState state;
        ProgressiveSearch search;
        if (File.Exists(dir.State))
        {
            state = JobState.Load(dir.State);
            state.Fingerprint.EnsureMatches(fingerprint, dir.State);
            if (state.Status == "finished")
            {
                _log.LogInformation("Job {Id} in {Dir} is already finished", _spec.Id, dir.Root);
                return JobOutcome.Finished;
            }
            search = ProgressiveSearch.Restore(state.Search, seeds);
            history.TruncateTo(state.HistoryRowsCommitted);
            _log.LogInformation("Resuming job {Id}: {Evals} evaluations done, {Pending} history rows pending", _spec.Id, state.Evaluations, state.PendingRows.Count);
        }
        else
        {
            _spec.Save(dir.Spec);
            search = ProgressiveSearch.Start(space, plan, seeds, CriticalDimension.Compute(geometry).Pair);
            state = new JobState { Fingerprint = fingerprint, StartedAt = DateTimeOffset.UtcNow, Search = search.Snapshot() };
            Save(dir, state, search);
            _log.LogInformation("Started job {Id}: targets {Targets}, short {Short}, output {Dir}", _spec.Id,
                string.Join(",", plan.Targets), plan.ShortLength?.ToString(CultureInfo.InvariantCulture) ?? "none", dir.Root);
        }

        var forwardOptions = new ForwardPassOptions { Threads = _spec.Threads ?? Environment.ProcessorCount };
        using var scorer = new PerplexityScorer(model.Weights, forwardOptions);
        var evaluator = new EngineCandidateEvaluator(scorer, _spec.Data, space.Evolution.Samples, model.Tokenizer);
        var validator = new StageValidator(scorer, evaluator, geometry, _spec.Validation, _spec.ValidationSamples ?? 2 * space.Evolution.Samples, config, _log);

        try
        {
            RunLoop(dir, state, search, history, evaluator, validator, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The checkpoint on disk is the state before the evaluation that was interrupted.
            return Stop(dir, state);
        }
        if (ct.IsCancellationRequested && !search.IsFinished) return Stop(dir, state);

        state.Status = "finished";
        Save(dir, state, search);
        _log.LogInformation("Job {Id} finished: {Evals} evaluations, {Seconds:F0} s evaluating", _spec.Id, state.Evaluations, state.EvaluationSeconds);
        return JobOutcome.Finished;
    }

    private void RunLoop(JobDirectory dir, JobState state, ProgressiveSearch search, HistoryLog history,
        EngineCandidateEvaluator evaluator, StageValidator validator, CancellationToken ct)
    {
        // The checkpoint is the truth: a run killed between checkpointing a table and rewriting validation.json
        // (or one written before the order below was fixed) would otherwise end without that table in the file.
        if (state.Validations.Count > 0) ValidationReport.Write(dir.Validation, state.Validations, _spec.Id);
        ValidatePendingStages(dir, state, search, validator, ct);
        // `next` is both the flush test (did this evaluation end a generation or stage?) and the next step.
        for (var step = search.Next(); step is not null && !ct.IsCancellationRequested;)
        {
            var score = evaluator.Evaluate(step.Candidate.Factors, step.Length, step.Abandon, ct);
            var stagesDone = search.Completed.Count;
            search.Report(step.Candidate.Id, score);
            state.Evaluations++;
            state.EvaluationSeconds += score.Seconds;
            state.PendingRows.Add(Row(step, score));

            var next = search.Next();
            if (next is null || next.StageIndex != step.StageIndex || next.Candidate.Generation != step.Candidate.Generation)
            {
                history.Append(state.PendingRows);
                state.HistoryRowsCommitted += state.PendingRows.Count;
                state.PendingRows.Clear();
            }
            if (search.Completed.Count > stagesDone) WriteBest(dir, search.Completed[^1], validator.Config);
            Save(dir, state, search);
            _progress?.Report(search.Progress);
            if (search.Completed.Count > stagesDone) ValidatePendingStages(dir, state, search, validator, ct);
            step = next;
        }
    }

    /// <summary>
    /// Every input must exist before anything is written: otherwise a job with a mistyped data path would create
    /// its output directory and a checkpoint, and fail only at its first evaluation.
    /// </summary>
    private void RequireInputs()
    {
        static void Require(string path, string field, string what, bool exists)
        {
            if (!exists) throw new InputException(path, "", $"an existing {what} (job field \"{field}\")", "no such file or directory");
        }
        Require(_spec.Model, "model", "model folder", Directory.Exists(_spec.Model));
        Require(_spec.Data, "data", "document file or directory of documents", File.Exists(_spec.Data) || Directory.Exists(_spec.Data));
        Require(_spec.Validation, "validation", "document file or directory of documents", File.Exists(_spec.Validation) || Directory.Exists(_spec.Validation));
        Require(_spec.Space, "space", "search-space file", File.Exists(_spec.Space));
    }

    private SearchPlan Plan(SearchSpace space, int originalLength)
    {
        var targets = _spec.Targets.Count > 0
            ? _spec.Targets.Select(t => LengthText.Parse(t, _spec.Output + "/job.json: targets", originalLength)).ToArray()
            : space.Targets.ToArray();
        int? shortLength = _spec.ShortLength switch
        {
            null => space.ShortLength,
            0 => null,
            var v => v,
        };
        return new SearchPlan(targets, shortLength);
    }

    private JobOutcome Stop(JobDirectory dir, JobState state)
    {
        _log.LogInformation("Job {Id} stopped at an evaluation boundary after {Evals} evaluations; checkpoint {State}", _spec.Id, state.Evaluations, dir.State);
        return JobOutcome.Cancelled;
    }

    private static void Save(JobDirectory dir, JobState state, ProgressiveSearch search)
    {
        state.Search = search.Snapshot();
        state.UpdatedAt = DateTimeOffset.UtcNow;
        state.Save(dir.State);
        JobStatus.From(state, search.Progress).Save(dir.Status);
    }

    private HistoryRow Row(SearchStep step, CandidateScore score) => new()
    {
        JobId = _spec.Id,
        Stage = step.Kind == StageKind.Short ? "short" : "long",
        TargetLength = step.Length,
        Generation = step.Candidate.Generation,
        CandidateId = step.Candidate.Id,
        Origin = step.Candidate.Origin,
        Lambda = step.Candidate.Factors.Lambda.ToArray(),
        NHat = step.Candidate.Factors.NHat,
        AttentionFactor = step.Candidate.Factors.AttentionFactor,
        PerSampleNll = score.PerSampleNll,
        MeanNll = score.MeanNll,
        Ppl = score.Perplexity,
        Abandoned = score.Abandoned,
        Seconds = score.Seconds,
        Timestamp = DateTimeOffset.UtcNow,
    };

    private void WriteBest(JobDirectory dir, StageResult result, ModelConfig config)
    {
        var kind = result.Stage.Kind == StageKind.Short ? "short" : "long";
        var path = dir.BestFile(kind, result.Stage.Length);
        FactorFile.SaveJson(path, result.Best.Candidate.Factors, new Dictionary<string, object?>
        {
            ["stage"] = kind,
            ["target_length"] = result.Stage.Length,
            ["original_length"] = config.OriginalMaxPositionEmbeddings,
            ["scale"] = result.Stage.Scale,
            ["search_mean_nll"] = result.Best.Score.MeanNll,
            ["search_ppl"] = result.Best.Score.Perplexity,
            ["candidate_id"] = result.Best.Candidate.Id,
            ["origin"] = result.Best.Candidate.Origin,
            ["job_id"] = _spec.Id,
        });
        _log.LogInformation("{Stage}: best ppl {Ppl:F4} ({Origin} #{Id}), written to {Path}", result.Stage.Name, result.Best.Score.Perplexity, result.Best.Candidate.Origin, result.Best.Candidate.Id, path);
    }

    /// <summary>Validates every finished stage that has no table yet (also after a resume that was killed mid-validation).</summary>
    private void ValidatePendingStages(JobDirectory dir, JobState state, ProgressiveSearch search, StageValidator validator, CancellationToken ct)
    {
        foreach (var done in search.Completed)
        {
            if (state.Validations.Any(v => v.Stage == done.Stage.Name)) continue;
            if (!File.Exists(dir.BestFile(done.Stage.Kind == StageKind.Short ? "short" : "long", done.Stage.Length)))
                WriteBest(dir, done, validator.Config);
            var clock = Stopwatch.StartNew();
            var table = validator.Validate(done, ct);
            state.Validations.Add(table);
            // validation.json first: killed in between, the resumed run validates the stage again (same numbers)
            // and rewrites both, whereas the other order could leave the table only in the checkpoint.
            ValidationReport.Write(dir.Validation, state.Validations, _spec.Id);
            Save(dir, state, search);
            _log.LogInformation("{Stage}: validation table ready in {Seconds:F1} s", done.Stage.Name, clock.Elapsed.TotalSeconds);
            StageValidated?.Invoke(table);
        }
    }
}
