using System.Globalization;

namespace LongRopeSearch.Jobs;

/// <summary>
/// The files of one job's output directory:
/// job.json (the spec) · state.json (checkpoint, rewritten atomically after every evaluation) · status.json (a small
/// summary for `status`) · history.parquet (every evaluation) · best/&lt;stage&gt;.json (factor files) ·
/// validation.json (best vs classic methods on unseen samples) · report.html · exports/ · job.lock.
/// </summary>
public sealed class JobDirectory(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string Spec => Path.Combine(Root, "job.json");
    public string State => Path.Combine(Root, "state.json");
    public string Status => Path.Combine(Root, "status.json");
    public string History => Path.Combine(Root, "history.parquet");
    public string Validation => Path.Combine(Root, "validation.json");
    public string Report => Path.Combine(Root, "report.html");
    public string BestDir => Path.Combine(Root, "best");
    public string Exports => Path.Combine(Root, "exports");

    /// <summary>best/long-2048.json or best/short-512.json.</summary>
    public string BestFile(string stageKind, int length) =>
        Path.Combine(BestDir, string.Create(CultureInfo.InvariantCulture, $"{stageKind}-{length}.json"));
}
