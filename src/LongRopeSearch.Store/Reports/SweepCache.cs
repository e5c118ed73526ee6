using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Store.Reports;

/// <summary>One cached sweep result: a factor set scored at one length.</summary>
/// <param name="PerSampleNll">[samples] mean NLL of each sample.</param>
public sealed record SweepEntry(double Ppl, double MeanNll, IReadOnlyList<double> PerSampleNll);

/// <summary>
/// sweep.json: the report's length sweep, cached so re-running `report` only evaluates what is new. Entries are
/// keyed by the factor set's canonical key and the length. The file also records the context the numbers depend
/// on (model, validation data, samples per length, engine); a file written under another context is discarded
/// rather than mixed in. Saved atomically, so an interrupted sweep keeps everything finished before.
/// </summary>
public sealed class SweepCache
{
    public const int CurrentFormat = 1;
    private readonly Dictionary<string, SweepEntry> _entries;

    private SweepCache(string path, string context, Dictionary<string, SweepEntry> entries)
    {
        Path = path;
        Context = context;
        _entries = entries;
    }

    public string Path { get; }
    public string Context { get; }
    public int Count => _entries.Count;

    /// <summary>
    /// Opens the cache at <paramref name="path"/> for <paramref name="context"/>. A missing file gives an empty cache;
    /// an unreadable one or one of another context also does, and <paramref name="discarded"/> says why.
    /// </summary>
    public static SweepCache Load(string path, string context, out string? discarded)
    {
        discarded = null;
        var entries = new Dictionary<string, SweepEntry>(StringComparer.Ordinal);
        if (!File.Exists(path)) return new SweepCache(path, context, entries);
        try
        {
            var doc = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new JsonException("not a JSON object");
            if ((int?)doc["format"] != CurrentFormat)
                discarded = $"{path} has another format; the sweep is recomputed";
            else if ((string?)doc["context"] != context)
                discarded = $"{path} was computed for another model, data, sample count or engine; the sweep is recomputed";
            else
            {
                foreach (var (key, node) in doc["entries"]?.AsObject() ?? [])
                {
                    if (node is not JsonObject e) continue;
                    double meanNll = (double)e["mean_nll"]!;
                    // Non-finite numbers have no JSON form: they are stored as null (ppl overflows to ∞ for NLL > 709).
                    entries[key] = new SweepEntry((double?)e["ppl"] ?? Math.Exp(meanNll), meanNll,
                        e["per_sample_nll"]!.AsArray().Select(x => (double?)x ?? double.NaN).ToArray());
                }
            }
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or NullReferenceException or IOException)
        {
            discarded = $"{path} could not be read ({e.Message}); the sweep is recomputed";
            entries.Clear();
        }
        return new SweepCache(path, context, entries);
    }

    /// <summary>The cache key: the factor set's canonical key and the length.</summary>
    public static string Key(FactorSet factors, int length)
    {
        ArgumentNullException.ThrowIfNull(factors);
        return factors.Key + string.Create(CultureInfo.InvariantCulture, $"@L={length}");
    }

    public bool TryGet(FactorSet factors, int length, out SweepEntry entry) =>
        _entries.TryGetValue(Key(factors, length), out entry!);

    public void Put(FactorSet factors, int length, SweepEntry entry) => _entries[Key(factors, length)] = entry;

    /// <summary>Writes the cache atomically.</summary>
    public void Save()
    {
        var entries = new JsonObject();
        foreach (var (key, e) in _entries.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            entries[key] = new JsonObject
            {
                ["ppl"] = Number(e.Ppl),
                ["mean_nll"] = Number(e.MeanNll),
                ["per_sample_nll"] = new JsonArray(e.PerSampleNll.Select(Number).ToArray()),
            };
        }
        var doc = new JsonObject { ["format"] = CurrentFormat, ["context"] = Context, ["entries"] = entries };
        AtomicFile.WriteAllText(Path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static JsonNode? Number(double x) => double.IsFinite(x) ? JsonValue.Create(x) : null;
}
