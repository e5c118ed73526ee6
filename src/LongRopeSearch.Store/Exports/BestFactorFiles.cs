using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Exports;

/// <summary>One best/&lt;kind&gt;-&lt;length&gt;.json file of a job: the best factor set of a finished stage.</summary>
/// <param name="Kind">"long" (a target) or "short".</param>
public sealed record BestFactorFile(string Kind, int Length, string Path);

/// <summary>
/// Finds the best factor files a job wrote (best/long-&lt;L&gt;.json per target, best/short-&lt;L&gt;.json for the
/// short stage) and picks the ones an export or report needs, with errors that list what exists.
/// </summary>
public static class BestFactorFiles
{
    /// <summary>Every best file in <paramref name="bestDir"/>: long ones by length, then short ones by length.</summary>
    public static IReadOnlyList<BestFactorFile> List(string bestDir)
    {
        if (!Directory.Exists(bestDir)) return [];
        var files = new List<BestFactorFile>();
        foreach (var path in Directory.EnumerateFiles(bestDir, "*.json"))
        {
            var name = System.IO.Path.GetFileNameWithoutExtension(path);
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0) continue;
            var kind = name[..dash];
            if (kind is not ("long" or "short")) continue;
            if (!int.TryParse(name[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length < 2) continue;
            files.Add(new BestFactorFile(kind, length, System.IO.Path.GetFullPath(path)));
        }
        return files.OrderBy(f => f.Kind == "long" ? 0 : 1).ThenBy(f => f.Length).ToList();
    }

    /// <summary>
    /// The long best file for <paramref name="target"/>, or the largest target when null. No long file at all, or
    /// a target that was not searched, is an <see cref="InputException"/> naming the directory and the targets there.
    /// </summary>
    public static BestFactorFile SelectLong(IReadOnlyList<BestFactorFile> files, int? target, string jobDir)
    {
        ArgumentNullException.ThrowIfNull(files);
        var longs = files.Where(f => f.Kind == "long").OrderBy(f => f.Length).ToList();
        if (longs.Count == 0)
            throw new InputException(System.IO.Path.Combine(jobDir, "best"), "",
                "a best factor file best/long-<L>.json (written when a search finishes a target)",
                $"none; check the job with `longrope status --out {jobDir}`");
        if (target is null) return longs[^1];
        return longs.FirstOrDefault(f => f.Length == target)
            ?? throw new InputException("--target", "",
                $"one of the targets searched in {jobDir}: {string.Join(", ", longs.Select(f => f.Length.ToString(CultureInfo.InvariantCulture)))}",
                target.Value.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>The short best file (the largest length when there are several), or null when the job searched none.</summary>
    public static BestFactorFile? SelectShort(IReadOnlyList<BestFactorFile> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        return files.Where(f => f.Kind == "short").OrderBy(f => f.Length).LastOrDefault();
    }

    /// <summary>
    /// The extra fields a job writes next to the factors (stage, target_length, original_length, scale, search_ppl,
    /// origin, …) as a JSON object; the factors themselves are read with FactorFile.Load.
    /// </summary>
    public static JsonObject ReadFields(string path)
    {
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new InputException(path, "", "a JSON object (a factor file)");
        }
        catch (JsonException e)
        {
            throw new InputException(path, "", "valid JSON", e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, "", "a readable factor file", e.Message, e);
        }
    }

    /// <summary>An integer field of a best file, or null when absent or not an integer.</summary>
    public static int? IntField(JsonObject fields, string name) =>
        fields[name] is JsonValue v && v.TryGetValue<int>(out var n) ? n : null;

    /// <summary>A number field of a best file, or null when absent or not a number.</summary>
    public static double? NumberField(JsonObject fields, string name) =>
        fields[name] is JsonValue v && v.TryGetValue<double>(out var x) ? x : null;
}
