using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;

namespace LongRopeSearch.Jobs;

/// <summary>
/// What a job is asked to do: which model, which samples, which search space, which targets, where to write.
/// Stored as job.json in the job's output directory with absolute paths; a spec file dropped in a worker's jobs
/// directory may use paths relative to that file.
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
    public required string Output { get; init; }

    /// <summary>Validation samples per length (default: the space's samples per evaluation, doubled).</summary>
    public int? ValidationSamples { get; init; }

    /// <summary>Evaluation threads (default: all cores).</summary>
    public int? Threads { get; init; }

    private static readonly string[] Known = ["id", "model", "data", "validation", "space", "targets", "short_length", "seed", "output", "validation_samples", "threads"];

    public static JobSpec Load(string path)
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InputException(path, "", "a JSON object");
        }
        catch (FileNotFoundException e) { throw new InputException(path, "", "an existing job spec file", "no such file", e); }
        catch (DirectoryNotFoundException e) { throw new InputException(path, "", "an existing job spec file", "no such directory", e); }
        catch (JsonException e) { throw new InputException(path, "", "valid JSON", e.Message, e); }
        var baseDir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        foreach (var kv in o)
            if (!Known.Contains(kv.Key)) throw new InputException(path, kv.Key, "one of the fields " + string.Join(", ", Known), "an unknown field");

        string PathField(string name, bool required = true)
        {
            var s = Str(o, path, name, required);
            return s is null ? "" : Path.GetFullPath(Path.Combine(baseDir, s));
        }

        var targets = o["targets"] switch
        {
            JsonArray a => a.Select((n, i) => n is JsonValue v && (v.TryGetValue<string>(out var s) ? s : v.TryGetValue<long>(out var l) ? l.ToString(CultureInfo.InvariantCulture) : null) is { } t
                ? t : throw new InputException(path, $"targets[{i}]", "a length such as 131072 or 8x", n?.ToJsonString() ?? "null")).ToArray(),
            null => [],
            var other => throw new InputException(path, "targets", "an array of target lengths, e.g. [\"8x\", \"16x\"] (empty: the search space's)", other.ToJsonString()),
        };
        var output = PathField("output");
        return new JobSpec
        {
            Id = Str(o, path, "id", false) ?? Path.GetFileName(output.TrimEnd(Path.DirectorySeparatorChar)),
            Model = PathField("model"),
            Data = PathField("data"),
            Validation = PathField("validation"),
            Space = PathField("space"),
            Targets = targets,
            ShortLength = Int(o, path, "short_length", min: 0),
            Seed = UInt64(o, path, "seed"),
            Output = output,
            ValidationSamples = Int(o, path, "validation_samples", min: 1),
            Threads = Int(o, path, "threads", min: 1),
        };
    }

    public void Save(string path)
    {
        var o = new JsonObject
        {
            ["id"] = Id, ["model"] = Model, ["data"] = Data, ["validation"] = Validation, ["space"] = Space,
            ["targets"] = new JsonArray(Targets.Select(t => (JsonNode)t).ToArray()),
            ["output"] = Output,
        };
        if (ShortLength is { } sl) o["short_length"] = sl;
        if (Seed is { } seed) o["seed"] = seed; // all 64 bits: `search --seed` accepts any ulong
        if (ValidationSamples is { } vs) o["validation_samples"] = vs;
        if (Threads is { } th) o["threads"] = th;
        AtomicFile.WriteAllText(path, o.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static string? Str(JsonObject o, string path, string name, bool required)
    {
        var n = o[name];
        if (n is null)
            return required ? throw new InputException(path, name, "a string", "nothing") : null;
        if (n is JsonValue v && v.TryGetValue<string>(out var s) && s.Length > 0) return s;
        throw new InputException(path, name, "a non-empty string", n.ToJsonString());
    }

    private static ulong? UInt64(JsonObject o, string path, string name)
    {
        var n = o[name];
        if (n is null) return null;
        if (n is JsonValue v && v.TryGetValue<ulong>(out var u)) return u;
        throw new InputException(path, name, "an integer from 0 to 18446744073709551615", n.ToJsonString());
    }

    private static int? Int(JsonObject o, string path, string name, int min)
    {
        var n = o[name];
        if (n is null) return null;
        if (n is JsonValue v && v.TryGetValue<long>(out var l) && l >= min && l <= int.MaxValue) return (int)l;
        throw new InputException(path, name, $"an integer ≥ {min}", n.ToJsonString());
    }
}
