using System.Globalization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Exports;

/// <summary>One best/&lt;kind&gt;-&lt;length&gt;.json file of a job: the best factor set of a finished stage.</summary>
public sealed record BestFactorFile(FactorKind Kind, int Length, string Path);

/// <summary>
/// Finds the best factor files a job wrote (best/long-&lt;L&gt;.json per target, best/short-&lt;L&gt;.json for the
/// short stage) and picks the ones an export or report needs, with errors that list what exists.
/// </summary>
public static class BestFactorFiles
{
    /// <summary>"long-2048.json" / "short-512.json": the one naming rule of best files.</summary>
    public static string FileName(FactorKind kind, int length) =>
        string.Create(CultureInfo.InvariantCulture, $"{kind.Text()}-{length}.json");

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
            if (FactorKinds.TryParse(name[..dash]) is not { } kind) continue;
            if (!int.TryParse(name[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length < 2) continue;
            files.Add(new BestFactorFile(kind, length, System.IO.Path.GetFullPath(path)));
        }
        return files.OrderBy(f => f.Kind).ThenBy(f => f.Length).ToList();
    }

    /// <summary>
    /// The long best file for <paramref name="target"/>, or the largest target when null. No long file at all, or
    /// a target that was not searched, is an <see cref="InputException"/> naming the directory and the targets there.
    /// </summary>
    public static BestFactorFile SelectLong(IReadOnlyList<BestFactorFile> files, int? target, string jobDir)
    {
        ArgumentNullException.ThrowIfNull(files);
        var longs = files.Where(f => f.Kind == FactorKind.Long).OrderBy(f => f.Length).ToList();
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
        return files.Where(f => f.Kind == FactorKind.Short).OrderBy(f => f.Length).LastOrDefault();
    }

    /// <summary>
    /// The trained context L0 a best file records next to its factors (its "original_length"), or null when it has
    /// none; a value that is not a length is an error naming the file. The factors themselves are read with
    /// FactorFile.Load.
    /// </summary>
    public static int? OriginalLength(string path)
    {
        using var doc = JsonInput.ParseFile(path, "best factor file");
        return new JsonInputObject(path, doc.RootElement).Int("original_length", min: 2);
    }
}
