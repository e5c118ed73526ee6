using System.Globalization;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Store;
using LongRopeSearch.Store.Exports;
using LongRopeSearch.Store.Validation;

namespace LongRopeSearch.Jobs;

/// <summary>
/// What `export` and `report` read from a job: the model's config (raw and validated), the best factor sets of the
/// finished stages and the validation tables, each read once through the job's store and checked against the model.
/// </summary>
public sealed class JobResults
{
    private JobResults(JobContext job, JsonObject rawConfig, IReadOnlyList<BestFactorFile> best, IReadOnlyList<ValidationTable> validation)
    {
        Job = job;
        RawModelConfig = rawConfig;
        Best = best;
        Validation = validation;
    }

    public JobContext Job { get; }
    public JsonObject RawModelConfig { get; }
    public ModelConfig ModelConfig => Job.Config;
    public int OriginalLength => Job.OriginalLength;
    public IReadOnlyList<BestFactorFile> Best { get; }

    /// <summary>The validation tables of validation.json (none when the job has not finished a stage).</summary>
    public IReadOnlyList<ValidationTable> Validation { get; }

    /// <summary>A target's long factors and the job's short factors, loaded and checked against the model.</summary>
    public sealed record Chosen(int Target, BestFactorFile LongFile, FactorSet Long, BestFactorFile? ShortFile, FactorSet? Short);

    public static JobResults Read(JobContext job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var raw = HfConfigExport.LoadModelConfig(Path.Combine(job.Spec.Model, "config.json"));
        var validation = job.Store.LoadValidation()?.Stages ?? [];
        return new JobResults(job, raw, job.Store.ListBest(), validation);
    }

    /// <summary>The long factors of <paramref name="target"/> (default: the largest searched) and the short factors.</summary>
    public Chosen Select(int? target)
    {
        var longFile = BestFactorFiles.SelectLong(Best, target, Job.Store.Location);
        var shortFile = BestFactorFiles.SelectShort(Best);
        return new Chosen(longFile.Length, longFile, Load(longFile), shortFile, shortFile is null ? null : Load(shortFile));
    }

    /// <summary>Reads a best factor set, checking it was searched for this model's L0 (a job pointed at another model fails here).</summary>
    public FactorSet Load(BestFactorFile file)
    {
        ArgumentNullException.ThrowIfNull(file);
        var (factors, l0) = Job.Store.LoadBest(file, ModelConfig.RotaryPairs);
        if (l0 is { } recorded && recorded != OriginalLength)
            throw new InputException(file.Path, "original_length", $"{OriginalLength}, the trained context of {Job.Spec.Model}", recorded.ToString(CultureInfo.InvariantCulture));
        return factors;
    }

    /// <summary>The validation table of one stage, or null when the job wrote none for it.</summary>
    public ValidationTable? TableOf(FactorKind kind, int length) => Validation.FirstOrDefault(t => t.Kind == kind && t.Length == length);

    /// <summary>
    /// The seed the search ran with: the spec's, else the checkpoint's (an unreadable checkpoint is an error naming it,
    /// not a silent default), else, for a job without a checkpoint, the search space's; null when that file is gone.
    /// </summary>
    public ulong? Seed() => Job.Spec.Seed ?? Job.Store.LoadState()?.Search.Seed ?? (File.Exists(Job.Spec.Space) ? Job.Space.Seed : null);
}
