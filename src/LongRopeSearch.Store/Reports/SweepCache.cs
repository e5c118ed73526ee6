using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Store.Reports;

/// <summary>One cached sweep result: a factor set scored at one length.</summary>
/// <param name="PerSampleNll">[samples] mean NLL of each sample.</param>
public sealed record SweepEntry(double Ppl, double MeanNll, IReadOnlyList<double> PerSampleNll);

/// <summary>
/// sweep.json: the report's length sweep, cached so re-running `report` only evaluates what is new. Everything in
/// it is keyed by content, never by a path: an entry by the factor set's canonical key and the length, the whole
/// file by its context, a text the caller builds from the fingerprints of what the numbers depend on (model,
/// validation documents, samples per length, engine). A file of another context or format is discarded rather than
/// mixed in; so is a damaged one (it is only a cache), and <c>discarded</c> says why. Saved atomically, so an
/// interrupted sweep keeps everything finished before.
/// </summary>
public sealed class SweepCache
{
    /// <summary>2: contexts are content fingerprints (1 keyed them on paths) and non-finite numbers are "NaN"/"Infinity".</summary>
    public const int CurrentFormat = 2;

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

    /// <summary>The file's shape.</summary>
    private sealed record CacheFile(int Format, string Context, IReadOnlyDictionary<string, SweepEntry> Entries);

    /// <summary>Opens the cache at <paramref name="path"/> for <paramref name="context"/> (a missing file is an empty cache).</summary>
    public static SweepCache Load(string path, string context, out string? discarded)
    {
        discarded = null;
        var entries = new Dictionary<string, SweepEntry>(StringComparer.Ordinal);
        CacheFile? file = null;
        try
        {
            file = ArtifactJson.ReadOrNull<CacheFile>(path, $"a sweep cache of format {CurrentFormat}");
        }
        catch (InputException e)
        {
            discarded = $"{e.Message}; the sweep is recomputed";
        }
        if (file is not null)
        {
            if (file.Format != CurrentFormat)
                discarded = string.Create(CultureInfo.InvariantCulture, $"{path} has format {file.Format}, not {CurrentFormat}; the sweep is recomputed");
            else if (file.Context != context)
                discarded = $"{path} was computed for another model, validation data, sample count or engine; the sweep is recomputed";
            else
                foreach (var (key, entry) in file.Entries) entries[key] = entry;
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

    /// <summary>Writes the cache atomically, entries in key order (a re-run that adds nothing rewrites the same bytes).</summary>
    public void Save() =>
        ArtifactJson.Write(Path, new CacheFile(CurrentFormat, Context,
            new SortedDictionary<string, SweepEntry>(_entries, StringComparer.Ordinal)));
}
