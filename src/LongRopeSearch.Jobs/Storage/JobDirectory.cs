using System.Text.RegularExpressions;
using LongRopeSearch.Store;
using LongRopeSearch.Store.Exports;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Jobs;

/// <summary>
/// The files of one job's directory:
/// job.json (the spec, inputs relative to the directory) · state.json (the checkpoint, rewritten atomically after
/// every evaluation) · status.json (what the last run said, for `status`) · history.parquet (every evaluation) ·
/// best/&lt;kind&gt;-&lt;L&gt;.json and best/&lt;kind&gt;-&lt;L&gt;.deployable.json (factor files) · validation.json (best vs classic methods on unseen samples) ·
/// sweep.json and report.html (`report`) · exports/ · job.lock and job.owner (who runs the job, see <see cref="JobLock"/>).
/// </summary>
public sealed partial class JobDirectory(string root)
{
    public string Root { get; } = Path.GetFullPath(root);
    public string Spec => Path.Combine(Root, "job.json");
    public string State => Path.Combine(Root, "state.json");
    public string Status => Path.Combine(Root, "status.json");
    public string History => Path.Combine(Root, "history.parquet");
    public string Validation => Path.Combine(Root, "validation.json");
    public string Sweep => Path.Combine(Root, "sweep.json");
    public string Report => Path.Combine(Root, "report.html");
    public string BestDir => Path.Combine(Root, "best");
    public string Exports => Path.Combine(Root, "exports");

    /// <summary>best/long-2048.json or best/short-512.json; with <paramref name="deployable"/>, best/long-2048.deployable.json.</summary>
    public string BestFile(FactorKind kind, int length, bool deployable = false) => Path.Combine(BestDir, BestFactorFiles.FileName(kind, length, deployable));

    /// <summary>
    /// Deletes the temporary files of atomic writes that never finished (AtomicFile's ".&lt;name&gt;.&lt;pid&gt;.&lt;guid&gt;.tmp",
    /// left by a process killed mid-write) in the directory and best/. Without this every kill -9 that lands in a
    /// write — state.json is rewritten after every evaluation — leaves one more file behind. Only the holder of the
    /// job's lock may call it: nobody else writes there then. Returns how many were removed.
    /// </summary>
    public int RemoveStaleTempFiles()
    {
        int removed = 0;
        foreach (var dir in new[] { Root, BestDir }.Where(Directory.Exists))
        {
            foreach (var file in Directory.EnumerateFiles(dir, ".*.tmp"))
            {
                if (!AtomicTempName().IsMatch(Path.GetFileName(file))) continue;
                try
                {
                    File.Delete(file);
                    removed++;
                }
                catch (IOException) { } // best effort: a leftover costs disk space, never correctness
                catch (UnauthorizedAccessException) { }
            }
        }
        return removed;
    }

    [GeneratedRegex(@"^\..+\.\d+\.[0-9a-f]{32}\.tmp$", RegexOptions.CultureInvariant)]
    private static partial Regex AtomicTempName();
}
