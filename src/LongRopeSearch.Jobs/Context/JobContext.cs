using System.Globalization;
using System.Text.Json;
using LongRopeSearch.Core;
using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;

namespace LongRopeSearch.Jobs;

/// <summary>
/// One job, wired once: its store and spec, and — each built on first use from the spec's inputs — the model's
/// config and rotary geometry, the search space and plan, the fingerprint, the seeds, the sample sets and the
/// engine. `search`, `resume`, the worker, `status`, `export` and `report` all reach a job through this class, so
/// each of these things has one definition.
/// </summary>
public sealed class JobContext
{
    private readonly Lazy<ModelConfig> _config;
    private readonly Lazy<ITokenizer> _tokenizer;
    private readonly Lazy<SearchSpace> _space;
    private readonly Lazy<SearchPlan> _plan;
    private readonly Lazy<JobFingerprint> _fingerprint;
    private readonly Lazy<JobSamples> _samples;

    public JobContext(IJobStore store, JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(spec);
        Store = store;
        Spec = spec;
        _config = new(() => ModelConfig.Load(Path.Combine(Spec.Model, "config.json")));
        _tokenizer = new(() => ModelFolder.ResolveTokenizer(Spec.Model, Config));
        _space = new(LoadSpace);
        _plan = new(BuildPlan);
        _fingerprint = new(() => JobFingerprint.Compute(Spec, PlanText));
        _samples = new(() => new JobSamples(Spec, Tokenizer, SearchSamples, ValidationSamples, ValidationSamplesSource));
    }

    /// <summary>A job given by a spec (new or continued): its store is the spec's output directory.</summary>
    public static JobContext For(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new JobContext(new FileJobStore(spec.Output), spec);
    }

    /// <summary>An existing job, from the spec its store holds: a job directory works on itself wherever it is.</summary>
    public static JobContext Open(IJobStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var spec = store.LoadSpec() ?? throw new InputException(store.Location, "job.json",
            "a job directory written by `longrope search` or a worker (job.json, state.json, best/)", "no job.json");
        return new JobContext(store, spec);
    }

    public static JobContext Open(string directory) => Open(new FileJobStore(directory));

    public IJobStore Store { get; }
    public JobSpec Spec { get; }

    /// <summary>Where the spec's targets came from, for errors (default: the job.json "targets" field; `search` says --targets).</summary>
    public string? TargetsSource { get; init; }
    public string Id => Spec.Id;

    /// <summary>The model's config.json (validated), read without loading weights.</summary>
    public ModelConfig Config => _config.Value;

    /// <summary>How the model's documents become tokens (resolved from the model folder without loading weights).</summary>
    public ITokenizer Tokenizer => _tokenizer.Value;

    public int OriginalLength => Config.OriginalMaxPositionEmbeddings;

    public RopeGeometry Geometry => new(Config.RotaryDim, Config.RopeTheta, OriginalLength);

    /// <summary>The search-space file with the spec's seed, if it sets one.</summary>
    public SearchSpace Space => _space.Value;

    /// <summary>The spec's targets and short length, or the space's where the spec leaves them out.</summary>
    public SearchPlan Plan => _plan.Value;

    /// <summary>What the plan adds to the space file in the fingerprint.</summary>
    public string PlanText => JsonSerializer.Serialize(new { Plan.Targets, Plan.ShortLength, Space.Seed });

    /// <summary>The fingerprint of the job's inputs as they are now (compare with the checkpoint's).</summary>
    public JobFingerprint Fingerprint => _fingerprint.Value;

    /// <summary>Search samples per evaluation (the space's "samples").</summary>
    public int SearchSamples => Space.Evolution.Samples;

    /// <summary>Validation samples per length: the spec's validation_samples, else twice the search samples.</summary>
    public int ValidationSamples => Spec.ValidationSamples ?? 2 * SearchSamples;

    private string ValidationSamplesSource => Spec.ValidationSamples is null
        ? string.Create(CultureInfo.InvariantCulture, $"2 × the search space's samples ({SearchSamples}) in {Spec.Space}")
        : $"validation_samples in {Store.NameOf(JobArtifact.Spec)}";

    /// <summary>The sample sets of every length, loaded once.</summary>
    public JobSamples Samples => _samples.Value;

    /// <summary>
    /// The population's seeds: the classic methods at each stage's scale, and for a model with a published
    /// rope_scaling, that scaling at the stage's length ("as published (yarn)").
    /// </summary>
    public ISeedProvider Seeds => SeedProvider.FromDelegate(stage => Baselines.All(Geometry, Math.Max(1.0, stage.Scale))
        .Select(b => new SeedCandidate(b.Name, b.Factors))
        .Concat(Config.RopeScaling is { } p ? [new SeedCandidate(p.Label, p.FactorsAt(stage.Length))] : [])
        .ToList());

    /// <summary>Where L0 (<see cref="OriginalLength"/>, the base of "8x" and of every stage's scale) comes from, for the log.</summary>
    public string OriginalLengthSource => Config.RopeScaling is { } p && p.OriginalLength == OriginalLength
        ? $"original_max_position_embeddings of the published rope_scaling ({p.Type}) in {p.Source}"
        : $"config.json original_max_position_embeddings, else max_position_embeddings {Config.MaxPositionEmbeddings}, or a smaller sliding window";

    /// <summary>The search of a new job (nothing written: a bad space or plan fails here).</summary>
    public ProgressiveSearch StartSearch() => ProgressiveSearch.Start(Space, Plan, Seeds, CriticalDimension.Compute(Geometry).Pair);

    /// <summary>
    /// Every input must exist before anything is written: otherwise a job with a mistyped data path would create its
    /// output directory and a checkpoint, and fail only at its first evaluation.
    /// </summary>
    public void RequireInputs()
    {
        void Require(string path, string field, string what, bool exists)
        {
            if (!exists) throw new InputException(path, "", $"an existing {what} (job field \"{field}\")", "no such file or directory");
        }
        Require(Spec.Model, "model", "model folder", Directory.Exists(Spec.Model));
        Require(Spec.Data, "data", "document file or directory of documents", File.Exists(Spec.Data) || Directory.Exists(Spec.Data));
        Require(Spec.Validation, "validation", "document file or directory of documents", File.Exists(Spec.Validation) || Directory.Exists(Spec.Validation));
        Require(Spec.Space, "space", "search-space file", File.Exists(Spec.Space));
    }

    /// <summary>
    /// Fails fast: every stage's search and validation samples load (enough documents long enough), before the
    /// first evaluation. The sets stay loaded for the run.
    /// </summary>
    public void CheckSamples(IEnumerable<SearchStage> stages)
    {
        ArgumentNullException.ThrowIfNull(stages);
        foreach (var stage in stages)
        {
            Samples.Search(stage.Length, stage.Name);
            Samples.Validation(stage.Length, stage.Name);
        }
    }

    /// <summary>The model's weights behind an engine; dispose it when done.</summary>
    public JobEngine OpenEngine(ForwardPassOptions options) => JobEngine.Open(Spec.Model, options);

    /// <summary>The engine a run uses: the fast one on the spec's thread count (all cores by default).</summary>
    public ForwardPassOptions RunEngineOptions => new() { Threads = Spec.Threads ?? Environment.ProcessorCount };

    private SearchSpace LoadSpace()
    {
        var space = SearchSpaceFile.Load(Spec.Space, Config.RotaryPairs, OriginalLength);
        return Spec.Seed is { } seed ? space with { Seed = seed } : space;
    }

    private SearchPlan BuildPlan()
    {
        var source = TargetsSource ?? Store.NameOf(JobArtifact.Spec) + ": targets";
        var targets = Spec.Targets.Count > 0
            ? Spec.Targets.Select(t => LengthText.Parse(t, source, OriginalLength)).ToArray()
            : Space.Targets.ToArray();
        // Targets given with the job (--targets, job.json) are checked here, so a bad list is blamed on where it came
        // from, not on the space file the plan is later validated against.
        for (int i = 0; i < targets.Length && Spec.Targets.Count > 0; i++)
        {
            var given = string.Join(",", Spec.Targets);
            if (targets[i] <= OriginalLength)
                throw new InputException(source, "", string.Create(CultureInfo.InvariantCulture,
                    $"target lengths above the model's trained context {OriginalLength}"), $"{Spec.Targets[i]} = {targets[i]} in {given}");
            if (i > 0 && targets[i] <= targets[i - 1])
                throw new InputException(source, "", "target lengths in strictly increasing order", $"{Spec.Targets[i]} after {Spec.Targets[i - 1]} in {given}");
        }
        int? shortLength = Spec.ShortLength switch
        {
            null => Space.ShortLength,
            0 => null,
            var v => v,
        };
        return new SearchPlan(targets, shortLength);
    }
}
