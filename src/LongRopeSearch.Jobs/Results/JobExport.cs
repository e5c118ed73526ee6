using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Store;
using LongRopeSearch.Store.Exports;
using LongRopeSearch.Store.Gguf;
using LongRopeSearch.Store.Validation;

namespace LongRopeSearch.Jobs;

/// <summary>The forms `export` writes. hf and gguf are the inference-stack forms (no n̂).</summary>
public enum ExportFormat
{
    Hf,
    Csv,
    Json,
    Gguf,
}

/// <summary>What the user asked `export` for.</summary>
public sealed record ExportRequest
{
    public required IReadOnlySet<ExportFormat> Formats { get; init; }
    public int? Target { get; init; }

    /// <summary>--to: a directory, or for gguf alone a file ending in .gguf; null: DIR/exports.</summary>
    public string? To { get; init; }

    public FactorChoice Choice { get; init; } = FactorChoice.Deployable;

    /// <summary>hf only: drop n̂ of a set that has one (with a warning) instead of refusing.</summary>
    public bool AllowNHat { get; init; }

    /// <summary>Export the running stage's best so far from the checkpoint.</summary>
    public bool BestSoFar { get; init; }

    public GgufOutType OutType { get; init; } = GgufOutType.AsStored;

    /// <summary>A GGUF of the same model by llama.cpp's converter, whose tokenizer is copied (models with a real tokenizer).</summary>
    public string? TokenizerFrom { get; init; }

    public IProgress<GgufWriteProgress>? GgufProgress { get; init; }
}

/// <summary>
/// One `export` of a job, built and checked completely before anything is written (so a refusal leaves nothing):
/// which set of each stage (by default the best deployable, n̂ = 0, with what it costs against the best overall),
/// the switch point the stacks use (<see cref="StackFactors"/>), and every requested form — hf config.json, LongRoPE
/// csv, the json record, the GGUF (whose model stays open until written). <see cref="Write"/> then writes each file
/// atomically.
/// </summary>
public sealed class JobExport : IDisposable
{
    private readonly List<string> _warnings = [];
    private readonly List<string> _notes = [];
    private readonly List<Action<List<string>, CancellationToken>> _writes = [];
    private ModelFolder? _model;

    private JobExport(JobResults job, ExportSelection selection, ExportProvenance provenance, StackFactors stack, string directory, string? ggufPath)
    {
        Job = job;
        Selection = selection;
        Provenance = provenance;
        Stack = stack;
        Directory = directory;
        GgufPath = ggufPath;
    }

    public JobResults Job { get; }
    public ExportSelection Selection { get; }
    public ExportProvenance Provenance { get; }
    public StackFactors Stack { get; }

    /// <summary>Where the files go (created on <see cref="Write"/>).</summary>
    public string Directory { get; }
    public string? GgufPath { get; }

    /// <summary>Problems the user must know about (stderr).</summary>
    public IReadOnlyList<string> Warnings => _warnings.Distinct().ToList();

    /// <summary>Facts about the export worth a line (the switch point, the cost of the deployable set, best so far).</summary>
    public IReadOnlyList<string> Notes => _notes.Distinct().ToList();

    /// <summary>Builds and checks everything <paramref name="request"/> asks for; nothing is written.</summary>
    public static JobExport Prepare(JobResults job, ExportRequest request)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(request);
        var formats = request.Formats;
        if (formats.Count == 0) throw new InputException("--format", "", "at least one of hf, csv, json, gguf, all", "none");
        ExportSelection? selection = null;
        var notes = new List<string>();
        if (request.BestSoFar)
        {
            selection = job.SelectBestSoFar(request.Target);
            if (selection is null) notes.Add("--best-so-far: the job is finished, so its final factors are exported");
        }
        selection ??= job.Select(request.Target);

        var (directory, ggufPath) = Destination(job, request, selection.Target);
        var stackFormats = formats.Where(f => f is ExportFormat.Hf or ExportFormat.Gguf).ToList();
        var warnings = new List<string>();
        var longExport = Resolve(job, selection.Long, request, stackFormats, warnings);
        var shortExport = selection.Short is { } s ? Resolve(job, s, request, stackFormats, warnings) : null;
        var stack = new StackFactors
        {
            Long = longExport.Exported.Factors,
            Short = shortExport?.Exported.Factors,
            OriginalLength = job.OriginalLength,
            TargetLength = selection.Target,
            ShortLength = shortExport?.Length,
            Source = job.Job.Store.Location,
        };
        var provenance = new ExportProvenance(job.Job.Id, job.OriginalLength, selection.Target, stack.SwitchLength, selection.Progress, longExport, shortExport);
        var export = new JobExport(job, selection, provenance, stack, directory, ggufPath);
        export._warnings.AddRange(warnings);
        export._notes.AddRange(notes);
        if (job.ValidationNote is { } vn) export._warnings.Add(vn);
        if (selection.Progress is { } progress)
            export._notes.Add($"NOT FINAL: {progress}; the files say so (\"status\")");
        export._notes.AddRange(provenance.CostTexts());
        try
        {
            if (formats.Contains(ExportFormat.Hf)) export.AddHf(request);
            if (formats.Contains(ExportFormat.Csv)) export.AddCsv();
            if (formats.Contains(ExportFormat.Json)) export.AddJson();
            if (formats.Contains(ExportFormat.Gguf)) export.AddGguf(request);
        }
        catch
        {
            export.Dispose();
            throw;
        }
        return export;
    }

    /// <summary>Writes every file (atomically each) and returns their paths in the order written.</summary>
    public IReadOnlyList<string> Write(CancellationToken ct = default)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var written = new List<string>();
        foreach (var write in _writes) write(written, ct);
        return written;
    }

    public void Dispose()
    {
        _model?.Dispose();
        _model = null;
    }

    /// <summary>
    /// The set of a stage the request asks for. A deployable set asked for where the stage has none is refused for
    /// the stack forms (unless hf may drop n̂), and replaced by the best overall with a warning for csv and json;
    /// the best overall asked for explicitly with n̂ &gt; 0 is refused for the stack forms (hf with --allow-nhat drops n̂).
    /// </summary>
    private static StageExport Resolve(JobResults job, StageSets sets, ExportRequest request, List<ExportFormat> stackFormats, List<string> warnings)
    {
        bool hfMayDrop = request.AllowNHat && !stackFormats.Contains(ExportFormat.Gguf);
        var stacks = string.Join(" and ", stackFormats.Select(f => f.ToString().ToLowerInvariant()));
        if (request.Choice == FactorChoice.Best)
        {
            if (sets.Best.Factors.NHat > 0 && stackFormats.Count > 0 && !hfMayDrop)
            {
                var deployable = sets.Deployable is { } d
                    ? $"its best deployable set (the default, --set deployable){(d.SearchPpl is { } dp && sets.Best.SearchPpl is { } bp ? string.Create(CultureInfo.InvariantCulture, $" scores search ppl {dp:0.0000} against {bp:0.0000}") : "")}"
                    : "a search with \"n_hat_choices\": [0]";
                throw new InputException("--set", "", string.Create(CultureInfo.InvariantCulture,
                    $"a factor set with n̂ = 0 for --format {stacks}: the best overall set of {sets.Name} has n̂ = {sets.Best.Factors.NHat}, which no inference stack can run (they keep no positions at the original angle); export {deployable}, or the best overall with --format json or csv"),
                    "best");
            }
            return sets.Take(FactorChoice.Best)!;
        }
        if (sets.Take(FactorChoice.Deployable) is { } chosen) return chosen;
        if (stackFormats.Count > 0 && !hfMayDrop)
            throw new InputException(job.Job.Store.Location, sets.Name, string.Create(CultureInfo.InvariantCulture,
                $"a deployable factor set (n̂ = 0) for --format {stacks}"),
                string.Create(CultureInfo.InvariantCulture,
                    $"none: every fully evaluated candidate of {sets.Name} has n̂ > 0 (its search space's n_hat_choices has no 0?); export the best overall (n̂ = {sets.Best.Factors.NHat}) with --set best --format json,csv, or to hf dropping n̂ with --set best --allow-nhat --format hf"));
        warnings.Add(string.Create(CultureInfo.InvariantCulture,
            $"{sets.Name} has no deployable factor set (n̂ = 0): its best overall (n̂ = {sets.Best.Factors.NHat}) is exported"));
        return sets.Take(FactorChoice.Best)!;
    }

    /// <summary>--to: a directory (created if missing; an existing file is refused), or for gguf alone a .gguf file.</summary>
    private static (string Directory, string? GgufPath) Destination(JobResults job, ExportRequest request, int target)
    {
        var ggufName = string.Create(CultureInfo.InvariantCulture, $"longrope-{target}.gguf");
        bool gguf = request.Formats.Contains(ExportFormat.Gguf);
        if (request.To is { } to && to.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase) && !System.IO.Directory.Exists(to))
        {
            if (request.Formats.Count != 1 || !gguf)
                throw new InputException("--to", "", "a directory when --format names more than gguf (the GGUF is written there as " + ggufName + ")", $"\"{to}\"");
            var file = Path.GetFullPath(to);
            return (Path.GetDirectoryName(file)!, file);
        }
        var dir = Path.GetFullPath(request.To ?? Path.Combine(job.Job.Store.Location, "exports"));
        if (File.Exists(dir))
            throw new InputException("--to", "", "a directory to write into (created if missing)" + (gguf ? ", or a file name ending in .gguf with --format gguf" : ""), $"the existing file {dir} (export never overwrites a file given as --to: remove it, or give --to a directory)");
        return (dir, gguf ? Path.Combine(dir, ggufName) : null);
    }

    private void AddHf(ExportRequest request)
    {
        var hf = HfConfigExport.Build(Job.RawModelConfig, Stack, Job.ModelConfig.RopeTheta, request.AllowNHat, Provenance.ToJson());
        _warnings.AddRange(hf.Warnings);
        _notes.AddRange(hf.Notes);
        _writes.Add((written, _) =>
        {
            var path = Path.Combine(Directory, "config.json");
            HfConfigExport.Write(path, hf.Config);
            written.Add(path);
        });
    }

    private void AddCsv()
    {
        foreach (var (name, set) in new[] { ("long", Stack.Long), ("short", Stack.Short) })
        {
            if (set is null) continue;
            var lost = new List<string>();
            if (set.NHat != 0) lost.Add(string.Create(CultureInfo.InvariantCulture, $"n̂ = {set.NHat}"));
            if (set.AttentionFactor != 1.0) lost.Add(string.Create(CultureInfo.InvariantCulture, $"attention factor {set.AttentionFactor:0.######}"));
            if (lost.Count > 0) _warnings.Add($"{name}_factor.csv holds λ only: {string.Join(" and ", lost)} {(lost.Count == 1 ? "is" : "are")} kept in the json export");
        }
        _writes.Add((written, _) => written.AddRange(LongRopeCsvExport.Write(Directory, Stack.Long, Stack.Short)));
    }

    private void AddJson()
    {
        var validation = TableFor(Selection.Long);
        var input = new JsonExportInput
        {
            JobId = Job.Job.Id,
            Long = Stack.Long,
            Short = Stack.Short,
            TargetLength = Selection.Target,
            OriginalLength = Job.OriginalLength,
            ShortLength = Provenance.Short?.Length,
            LongSource = Provenance.Long.Exported.Source,
            ShortSource = Provenance.Short?.Exported.Source,
            ModelPath = Job.Job.Spec.Model,
            ModelConfig = Job.RawModelConfig,
            Validation = validation,
            ShortValidation = Selection.Short is { } s ? TableFor(s) : null,
            SpacePath = Job.Job.Spec.Space,
            Space = SpaceContent(),
            Seed = Job.Seed(),
            Provenance = Provenance,
        };
        var doc = LongRopeJsonExport.Build(input);
        _writes.Add((written, _) =>
        {
            var path = Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture, $"longrope-{Selection.Target}.json"));
            LongRopeJsonExport.Write(path, doc);
            written.Add(path);
        });
    }

    /// <summary>A finished stage's validation table; its absence is said (the json export then records null).</summary>
    private ValidationTable? TableFor(StageSets stage)
    {
        var table = Job.TableOf(stage.Kind, stage.Length);
        if (table is not null) return table;
        var field = stage.Kind == FactorKind.Long ? "validation" : "short_validation";
        var file = Job.Job.Store.NameOf(JobArtifact.Validation);
        if (stage.Running)
            _notes.Add($"{stage.Name} is not finished, so it has no validation table yet: the json export's \"{field}\" is null");
        else
            _warnings.Add(Job.HasValidationFile
                ? $"{file} has no validation table for {stage.Name} (the job was stopped while validating it? `longrope resume` completes it): the json export's \"{field}\" is null"
                : $"{file} is missing and the checkpoint holds no table for {stage.Name}: the json export's \"{field}\" is null");
        return null;
    }

    private JsonNode? SpaceContent()
    {
        var path = Job.Job.Spec.Space;
        try
        {
            return JsonNode.Parse(File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // The json export records the space's content as provenance; the factors do not depend on it.
            _warnings.Add($"the search-space file {path} could not be read ({e.Message}); the json export records its path only");
            return null;
        }
    }

    private void AddGguf(ExportRequest request)
    {
        _model = ModelFolder.Open(Job.Job.Spec.Model);
        var rope = new GgufLongRope
        {
            Long = Stack.Long,
            Short = Stack.Short,
            OriginalLength = Stack.SwitchLength,
            TargetLength = Stack.TargetLength,
            Source = Stack.Source,
        };
        var options = new GgufExportOptions
        {
            OutType = request.OutType,
            Description = Provenance.Describe(),
            TokenizerFrom = request.TokenizerFrom,
            Progress = request.GgufProgress,
        };
        (GgufMetadata, IReadOnlyList<GgufTensorEntry>, IReadOnlyList<string>) built;
        try
        {
            built = GgufExport.Build(_model, rope, options);
        }
        catch (InputException e) when (request.TokenizerFrom is null && !_model.IsByteLevel)
        {
            // The exporter writes only byte vocabularies itself: name the option and the way around it.
            throw new InputException(e.Origin, e.Field, e.Expected + " with --tokenizer-from FILE.gguf; or leave gguf out: --format hf,csv,json", e.Found, e);
        }
        var (metadata, tensors, warnings) = built;
        _warnings.AddRange(warnings);
        var path = GgufPath!;
        _writes.Add((written, ct) =>
        {
            GgufWriter.Write(path, metadata, tensors, options.Progress, ct);
            written.Add(path);
        });
    }
}
