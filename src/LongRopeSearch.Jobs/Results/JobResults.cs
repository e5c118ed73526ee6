using System.Globalization;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using LongRopeSearch.Store;
using LongRopeSearch.Store.Exports;
using LongRopeSearch.Store.Validation;

namespace LongRopeSearch.Jobs;

/// <summary>Which factor set of a stage an export takes.</summary>
public enum FactorChoice
{
    /// <summary>The best full evaluation with n̂ = 0: what every inference stack can run (the default).</summary>
    Deployable,

    /// <summary>The stage's best overall, whatever its n̂.</summary>
    Best,
}

/// <summary>A stage's two candidates for an export: its best overall and its best deployable set (null: none).</summary>
/// <param name="Running">True for the running stage of a best-so-far export (no validation table yet).</param>
public sealed record StageSets(FactorKind Kind, int Length, ExportedSet Best, ExportedSet? Deployable, bool Running = false)
{
    /// <summary>"target 2048" / "short 512".</summary>
    public string Name => Kind.StageName(Length);

    /// <summary>The set <paramref name="choice"/> names, with the best overall beside it; null when it asks for a deployable set and there is none.</summary>
    public StageExport? Take(FactorChoice choice) => choice switch
    {
        FactorChoice.Best => new StageExport(Kind, Length, Best, Best),
        _ => Deployable is { } d ? new StageExport(Kind, Length, d, Best) : null,
    };
}

/// <summary>What an export writes: the target, the long and short stages' sets, and, for a best-so-far export, how far the search got.</summary>
/// <param name="Progress">Null when every stage used is finished; else "best so far, generation g of G (target L), not final".</param>
public sealed record ExportSelection(int Target, StageSets Long, StageSets? Short, string? Progress);

/// <summary>
/// What `export` and `report` read from a job: the model's config (raw and validated), the best factor sets of the
/// finished stages (the best overall and the best deployable, n̂ = 0), the validation tables, and for an unfinished
/// target the best so far from the checkpoint; each read through the job's store and checked against the model.
/// </summary>
public sealed class JobResults
{
    private readonly Lazy<ProgressiveSearch?> _checkpoint;
    private readonly Lazy<JobState?> _state;

    private JobResults(JobContext job, JsonObject rawConfig, IReadOnlyList<BestFactorFile> best, ValidationFile? validation)
    {
        Job = job;
        RawModelConfig = rawConfig;
        Best = best;
        Validation = validation?.Stages ?? [];
        HasValidationFile = validation is not null;
        _state = new(() => job.Store.LoadState());
        if (validation is null && job.Store.HasState)
        {
            // validation.json lost (deleted, or a copy without it): the checkpoint keeps every table it held.
            try
            {
                if (_state.Value?.Validations is { Count: > 0 } kept)
                {
                    Validation = kept;
                    ValidationNote = $"{job.Store.NameOf(JobArtifact.Validation)} is missing: the validation tables are taken from the checkpoint {job.Store.NameOf(JobArtifact.State)}";
                }
            }
            catch (InputException)
            {
                // An unreadable checkpoint is reported where it is needed (the seed, a best-so-far export), not here.
            }
        }
        _checkpoint = new(() => _state.Value?.RestoreSearch(job.Seeds, job.Store.NameOf(JobArtifact.State)));
    }

    public JobContext Job { get; }
    public JsonObject RawModelConfig { get; }
    public ModelConfig ModelConfig => Job.Config;
    public int OriginalLength => Job.OriginalLength;

    /// <summary>The best files of the finished stages and their deployable twins.</summary>
    public IReadOnlyList<BestFactorFile> Best { get; }

    /// <summary>The validation tables of validation.json (none when the job has not finished a stage).</summary>
    public IReadOnlyList<ValidationTable> Validation { get; }

    /// <summary>False when the job has no validation.json at all.</summary>
    public bool HasValidationFile { get; }

    /// <summary>Set when the tables did not come from validation.json (missing) but from the checkpoint.</summary>
    public string? ValidationNote { get; }

    public static JobResults Read(JobContext job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var raw = HfConfigExport.LoadModelConfig(Path.Combine(job.Spec.Model, "config.json"));
        return new JobResults(job, raw, job.Store.ListBest(), job.Store.LoadValidation());
    }

    /// <summary>The finished target <paramref name="target"/> (default: the largest searched) and the finished short stage.</summary>
    public ExportSelection Select(int? target)
    {
        var longFile = BestFactorFiles.SelectLong(Best, target, Job.Store.Location);
        var shortFile = BestFactorFiles.SelectShort(Best);
        return new ExportSelection(longFile.Length, Finished(longFile), shortFile is null ? null : Finished(shortFile), null);
    }

    /// <summary>
    /// The running stage's best so far, from the checkpoint: for a running target, its sets (no short factors yet);
    /// for the running short stage, its sets beside the finished target <paramref name="target"/> (default: the
    /// largest). Null when the job is finished. A <paramref name="target"/> that is not the running one is an error.
    /// </summary>
    public ExportSelection? SelectBestSoFar(int? target)
    {
        var state = _state.Value ?? throw new InputException(Job.Store.NameOf(JobArtifact.State), "",
            "a checkpoint of a started search (state.json)", "none: the job has not started");
        var search = _checkpoint.Value!;
        if (search.CurrentStage is not { } stage || search.CurrentSearcher is not { } searcher) return null;
        var progress = search.Progress;
        var label = string.Create(CultureInfo.InvariantCulture,
            $"best so far, generation {progress.Generation} of {progress.Generations - 1} ({stage.Name}; generation 0 is the initial population), not final");
        var running = RunningSets(stage, searcher, state);
        if (stage.Kind == FactorKind.Long)
        {
            if (target is { } t && t != stage.Length)
                throw new InputException("--target", "", string.Create(CultureInfo.InvariantCulture,
                    $"the running target {stage.Length} with --best-so-far (a finished target is exported without it)"), t.ToString(CultureInfo.InvariantCulture));
            return new ExportSelection(stage.Length, running, null, label);
        }
        var finished = Select(target);
        return finished with { Short = running, Progress = label };
    }

    /// <summary>Reads a best factor set, checking it was searched for this model's L0 (a job pointed at another model fails here).</summary>
    public StoredBest Load(BestFactorFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var stored = Job.Store.LoadBest(file, ModelConfig.RotaryPairs);
        if (stored.OriginalLength is { } recorded && recorded != OriginalLength)
            throw new InputException(file.Path, "original_length", $"{OriginalLength}, the trained context of {Job.Spec.Model}", recorded.ToString(CultureInfo.InvariantCulture));
        return stored;
    }

    /// <summary>The validation table of one stage, or null when the job wrote none for it.</summary>
    public ValidationTable? TableOf(FactorKind kind, int length) => Validation.FirstOrDefault(t => t.Kind == kind && t.Length == length);

    /// <summary>
    /// The seed the search ran with: the spec's, else the checkpoint's (an unreadable checkpoint is an error naming it,
    /// not a silent default), else, for a job without a checkpoint, the search space's; null when that file is gone.
    /// </summary>
    public ulong? Seed() => Job.Spec.Seed ?? _state.Value?.Search.Seed ?? (File.Exists(Job.Spec.Space) ? Job.Space.Seed : null);

    /// <summary>
    /// A finished stage's best set and its deployable one: the deployable twin file; else the best itself when its
    /// n̂ is 0; else (a job finished before deployable files were written) the checkpoint's record of the stage.
    /// </summary>
    private StageSets Finished(BestFactorFile bestFile)
    {
        var table = TableOf(bestFile.Kind, bestFile.Length);
        var best = Load(bestFile);
        var bestSet = new ExportedSet(best.Factors, bestFile.Path, best.SearchPpl, table?.Row(ValidationRow.SearchedMethod)?.ValidationPpl);
        ExportedSet? deployable = null;
        if (BestFactorFiles.DeployableOf(Best, bestFile) is { } file)
        {
            var d = Load(file);
            deployable = d.Factors.Equals(best.Factors) ? bestSet : new ExportedSet(d.Factors, file.Path, d.SearchPpl, ValidationPplOf(table, d.Factors, best.Factors));
        }
        else if (best.Factors.NHat == 0) deployable = bestSet;
        else if (CheckpointDeployable(bestFile) is { } e)
            deployable = new ExportedSet(e.Candidate.Factors, Job.Store.NameOf(JobArtifact.State), e.Score.Perplexity,
                ValidationPplOf(table, e.Candidate.Factors, best.Factors));
        return new StageSets(bestFile.Kind, bestFile.Length, bestSet, deployable);
    }

    private static double? ValidationPplOf(ValidationTable? table, FactorSet set, FactorSet best) =>
        set.Equals(best) ? table?.Row(ValidationRow.SearchedMethod)?.ValidationPpl : table?.Row(ValidationRow.DeployableMethod)?.ValidationPpl;

    private EvaluatedCandidate? CheckpointDeployable(BestFactorFile bestFile)
    {
        if (!Job.Store.HasState) return null;
        return _checkpoint.Value?.Completed
            .FirstOrDefault(r => r.Stage.Kind == bestFile.Kind && r.Stage.Length == bestFile.Length)?.BestDeployable;
    }

    /// <summary>
    /// The running stage's best set so far and best deployable so far: its completed generations (the searcher's
    /// ranking) and the results of the running generation already in (the checkpoint's pending history rows), full
    /// evaluations only, lowest mean NLL first, ties to the lower candidate id.
    /// </summary>
    private StageSets RunningSets(SearchStage stage, LongRopeSearcher searcher, JobState state)
    {
        var source = Job.Store.NameOf(JobArtifact.State) + string.Create(CultureInfo.InvariantCulture, $" ({stage.Name}, running)");
        var kindText = stage.Kind.Text();
        var candidates = searcher.RankedFull.Select(e => (Factors: e.Candidate.Factors, e.Score.MeanNll, e.Candidate.Id))
            .Concat(state.PendingRows
                .Where(r => !r.Abandoned && r.Stage == kindText && r.TargetLength == stage.Length && double.IsFinite(r.MeanNll))
                .Select(r => (Factors: new FactorSet(r.Lambda, r.NHat, r.AttentionFactor, source), r.MeanNll, Id: r.CandidateId)))
            .OrderBy(c => c.MeanNll).ThenBy(c => c.Id)
            .ToList();
        if (candidates.Count == 0)
            throw new InputException(Job.Store.NameOf(JobArtifact.State), "", $"at least one full evaluation of the running stage ({stage.Name})", "none yet: try again later");
        ExportedSet Set((FactorSet Factors, double MeanNll, long Id) c) => new(c.Factors, source, Math.Exp(c.MeanNll), null);
        var best = Set(candidates[0]);
        var deployable = candidates.Where(c => c.Factors.NHat == 0).Select(Set).FirstOrDefault();
        return new StageSets(stage.Kind, stage.Length, best, deployable, Running: true);
    }
}
