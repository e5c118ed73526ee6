using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;

namespace LongRopeSearch.Jobs;

/// <summary>
/// What a job is asked to do: which model, which samples, which search space, which targets, where to write.
/// Two forms on disk. A job request (a spec file dropped in a worker's jobs directory, <see cref="Load"/> /
/// <see cref="Save"/>) names its output directory, and its paths are relative to the file. A job directory's own
/// job.json (<see cref="LoadJobFile"/> / <see cref="SaveJobFile"/>) has no output (the job is the directory it is
/// in) and its input paths are relative to that directory, so a copied or moved job directory still knows its
/// inputs; it also records where it was created, where inputs are looked for when the directory moved without them.
/// Every path of a loaded spec is absolute.
/// </summary>
public sealed record JobSpec
{
    public required string Id { get; init; }
    public required string Model { get; init; }

    /// <summary>Documents the search scores candidates on.</summary>
    public required string Data { get; init; }

    /// <summary>Documents used only to judge results, never by the search.</summary>
    public required string Validation { get; init; }
    public required string Space { get; init; }

    /// <summary>
    /// Target lengths, as tokens ("131072") or multiples of the trained context ("8x"), searched in order; empty (or
    /// absent from the file) = the search space's targets, which is what `longrope search` without --targets saves.
    /// </summary>
    public required IReadOnlyList<string> Targets { get; init; }

    /// <summary>Length at which to search the short factor set; null = the space's default, 0 = no short search.</summary>
    public int? ShortLength { get; init; }

    /// <summary>Overrides the space's seed when set.</summary>
    public ulong? Seed { get; init; }

    /// <summary>The job's directory.</summary>
    public required string Output { get; init; }

    /// <summary>Validation samples per length (default: the space's samples per evaluation, doubled).</summary>
    public int? ValidationSamples { get; init; }

    /// <summary>Evaluation threads (default: all cores).</summary>
    public int? Threads { get; init; }

    private static readonly string[] InputFields = ["model", "data", "validation", "space"];
    private const string CreatedIn = "created_in";
    private static readonly string[] NoTargets = [];

    /// <summary>A job request file: every path relative to the file, "output" required.</summary>
    public static JobSpec Load(string path)
    {
        using var doc = JsonInput.ParseFile(path, "job spec file");
        var o = new JsonInputObject(path, doc.RootElement);
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var output = Path.GetFullPath(Path.Combine(baseDir, o.RequiredString("output")));
        var spec = Read(o, output, (_, p) => Path.GetFullPath(Path.Combine(baseDir, p)));
        o.RejectUnknown(Known(null));
        return spec;
    }

    /// <summary>
    /// The job.json of the job directory <paramref name="jobDirectory"/>. Its output is that directory, whatever the
    /// file says (a job.json written before paths were relative names an absolute "output": a copy of the directory
    /// must work on itself, not on the original). Each relative input path is resolved against the directory; if
    /// nothing is there but something is where the directory was created, that is used (the directory was moved
    /// without its inputs). Whether the input is really the same is the checkpoint fingerprint's job.
    /// </summary>
    public static JobSpec LoadJobFile(string path, string jobDirectory)
    {
        using var doc = JsonInput.ParseFile(path, "job.json of a job directory");
        var o = new JsonInputObject(path, doc.RootElement);
        var dir = Path.GetFullPath(jobDirectory);
        var createdIn = o.String(CreatedIn);
        _ = o.Get("output"); // recorded by older versions; the directory itself is the output
        string Resolve(string field, string p)
        {
            var here = Path.GetFullPath(Path.Combine(dir, p));
            if (Path.IsPathRooted(p) || createdIn is null || Exists(here)) return here;
            var there = Path.GetFullPath(Path.Combine(createdIn, p));
            return Exists(there) ? there : here;
        }
        var spec = Read(o, dir, Resolve);
        o.RejectUnknown(Known(CreatedIn));
        return spec;
    }

    /// <summary>Writes a job request: absolute paths, output included.</summary>
    public void Save(string path) => Write(path, p => p, includeOutput: true, createdIn: null);

    /// <summary>Writes the job.json of <paramref name="jobDirectory"/>: inputs relative to it, no output, where it was created.</summary>
    public void SaveJobFile(string path, string jobDirectory)
    {
        var dir = Path.GetFullPath(jobDirectory);
        Write(path, p => Path.GetRelativePath(dir, p), includeOutput: false, createdIn: dir);
    }

    private static bool Exists(string p) => File.Exists(p) || Directory.Exists(p);

    private static string Known(string? extra) =>
        "one of the fields " + string.Join(", ", ((string[])["id", .. InputFields, "targets", "short_length", "seed", "output", "validation_samples", "threads"]).Concat(extra is null ? [] : [extra]));

    private static JobSpec Read(JsonInputObject o, string output, Func<string, string, string> resolve)
    {
        string Input(string field) => resolve(field, o.RequiredString(field));
        return new JobSpec
        {
            Id = o.String("id") ?? Path.GetFileName(output.TrimEnd(Path.DirectorySeparatorChar)),
            Model = Input("model"),
            Data = Input("data"),
            Validation = Input("validation"),
            Space = Input("space"),
            Targets = ReadTargets(o),
            ShortLength = o.Int("short_length", min: 0),
            Seed = o.UInt64("seed"),
            Output = output,
            ValidationSamples = o.Int("validation_samples", min: 1),
            Threads = o.Int("threads", min: 1),
        };
    }

    private static string[] ReadTargets(JsonInputObject o)
    {
        if (o.Get("targets") is not { } t) return [];
        if (t.ValueKind != JsonValueKind.Array)
            throw o.Wrong("targets", "an array of target lengths, e.g. [\"8x\", \"16x\"] (empty: the search space's)", t);
        return t.EnumerateArray().Select((n, i) => n.ValueKind switch
        {
            JsonValueKind.String when n.GetString() is { Length: > 0 } s => s,
            JsonValueKind.Number when n.TryGetInt64(out var l) => l.ToString(CultureInfo.InvariantCulture),
            _ => throw new InputException(o.Source, string.Create(CultureInfo.InvariantCulture, $"targets[{i}]"), "a length such as 131072 or 8x", JsonInput.Show(n)),
        }).ToArray();
    }

    private void Write(string path, Func<string, string> input, bool includeOutput, string? createdIn)
    {
        var o = new JsonObject
        {
            ["id"] = Id, ["model"] = input(Model), ["data"] = input(Data), ["validation"] = input(Validation), ["space"] = input(Space),
            ["targets"] = new JsonArray(Targets.Select(t => (JsonNode)t).ToArray()),
        };
        if (includeOutput) o["output"] = Output;
        if (createdIn is not null) o[CreatedIn] = createdIn;
        if (ShortLength is { } sl) o["short_length"] = sl;
        if (Seed is { } seed) o["seed"] = seed; // all 64 bits: `search --seed` accepts any ulong
        if (ValidationSamples is { } vs) o["validation_samples"] = vs;
        if (Threads is { } th) o["threads"] = th;
        AtomicFile.WriteAllText(path, o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>
    /// The same job apart from the thread count (which does not change any number). Record equality would compare
    /// the target lists by reference, so they are compared element by element.
    /// </summary>
    public bool SameJobAs(JobSpec other)
    {
        ArgumentNullException.ThrowIfNull(other);
        return this with { Threads = null, Targets = NoTargets } == other with { Threads = null, Targets = NoTargets } && Targets.SequenceEqual(other.Targets);
    }
}
