using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Store.Exports;

/// <summary>
/// One best factor file of a job: the best factor set of a finished stage (best/long-2048.json), or the best
/// deployable one of that stage (best/long-2048.deployable.json: the best full evaluation with n̂ = 0, which every
/// inference stack can run; written for every stage that has one, even when it is the best overall).
/// </summary>
public sealed record BestFactorFile(FactorKind Kind, int Length, string Path, bool Deployable = false);

/// <summary>A best factor set as stored, with what its file records beside the factors.</summary>
/// <param name="OriginalLength">The trained context L0 the set was searched for (null when the file records none).</param>
/// <param name="SearchPpl">The stage's search ppl of this set (null when the file records none).</param>
public sealed record StoredBest(FactorSet Factors, int? OriginalLength, double? SearchPpl);

/// <summary>
/// Finds the best factor files a job wrote (best/long-&lt;L&gt;.json per target, best/short-&lt;L&gt;.json for the
/// short stage, each with its .deployable.json twin) and picks the ones an export or report needs, with errors that
/// list what exists.
/// </summary>
public static class BestFactorFiles
{
    private const string DeployableSuffix = ".deployable";

    /// <summary>"long-2048.json" / "short-512.deployable.json": the one naming rule of best files.</summary>
    public static string FileName(FactorKind kind, int length, bool deployable = false) =>
        string.Create(CultureInfo.InvariantCulture, $"{kind.Text()}-{length}{(deployable ? DeployableSuffix : "")}.json");

    /// <summary>Every best file in <paramref name="bestDir"/>: long ones by length, then short ones; each best before its deployable twin.</summary>
    public static IReadOnlyList<BestFactorFile> List(string bestDir)
    {
        if (!Directory.Exists(bestDir)) return [];
        var files = new List<BestFactorFile>();
        foreach (var path in Directory.EnumerateFiles(bestDir, "*.json"))
        {
            var name = System.IO.Path.GetFileNameWithoutExtension(path);
            bool deployable = name.EndsWith(DeployableSuffix, StringComparison.Ordinal);
            if (deployable) name = name[..^DeployableSuffix.Length];
            var dash = name.IndexOf('-', StringComparison.Ordinal);
            if (dash < 0) continue;
            if (FactorKinds.TryParse(name[..dash]) is not { } kind) continue;
            if (!int.TryParse(name[(dash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var length) || length < 2) continue;
            files.Add(new BestFactorFile(kind, length, System.IO.Path.GetFullPath(path), deployable));
        }
        return files.OrderBy(f => f.Kind).ThenBy(f => f.Length).ThenBy(f => f.Deployable).ToList();
    }

    /// <summary>
    /// The long best file for <paramref name="target"/>, or the largest target when null. No long file at all, or
    /// a target that was not searched, is an <see cref="InputException"/> naming the directory and the targets there.
    /// </summary>
    public static BestFactorFile SelectLong(IReadOnlyList<BestFactorFile> files, int? target, string jobDir)
    {
        ArgumentNullException.ThrowIfNull(files);
        var longs = files.Where(f => f.Kind == FactorKind.Long && !f.Deployable).OrderBy(f => f.Length).ToList();
        if (longs.Count == 0)
            throw new InputException(System.IO.Path.Combine(jobDir, "best"), "",
                "a best factor file best/long-<L>.json (written when a search finishes a target)",
                $"none; check the job with `longrope status --out {jobDir}` (a running target can be exported with `longrope export --best-so-far`)");
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
        return files.Where(f => f.Kind == FactorKind.Short && !f.Deployable).OrderBy(f => f.Length).LastOrDefault();
    }

    /// <summary>The deployable twin of <paramref name="best"/>, or null when the job wrote none.</summary>
    public static BestFactorFile? DeployableOf(IReadOnlyList<BestFactorFile> files, BestFactorFile best)
    {
        ArgumentNullException.ThrowIfNull(files);
        ArgumentNullException.ThrowIfNull(best);
        return files.FirstOrDefault(f => f.Deployable && f.Kind == best.Kind && f.Length == best.Length);
    }

    /// <summary>
    /// Reads a best file: the factors (FactorFile.Load, <paramref name="pairs"/> of them) and the trained context L0
    /// ("original_length") and search ppl ("search_ppl") it records; a value of the wrong kind is an error naming
    /// the file.
    /// </summary>
    public static StoredBest Load(string path, int pairs)
    {
        var factors = FactorFile.Load(path, pairs);
        using var doc = JsonInput.ParseFile(path, "best factor file");
        var o = new JsonInputObject(path, doc.RootElement);
        return new StoredBest(factors, o.Int("original_length", min: 2), o.Double("search_ppl"));
    }
}
