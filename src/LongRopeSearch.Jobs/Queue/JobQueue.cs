using LongRopeSearch.Core;

namespace LongRopeSearch.Jobs;

/// <summary>One job spec found in a jobs directory.</summary>
/// <param name="Output">The job's directory, or null when the spec cannot be read.</param>
/// <param name="Overview">What the job's store says (<see cref="JobOverview.Of"/>), null when the spec cannot be read.</param>
/// <param name="Phase">
/// <see cref="JobPhase.Queued"/> before it starts, <see cref="JobPhase.Failed"/> with a .failed marker (or an
/// unreadable spec), else the overview's phase.
/// </param>
public sealed record JobEntry(string Name, string SpecPath, string? Output, JobPhase Phase, JobOverview? Overview, string? Note)
{
    /// <summary>Marked failed by a worker: not retried until the marker is removed.</summary>
    public bool Marked { get; init; }
}

/// <summary>
/// A worker's jobs directory: each *.json file is a job spec, run in name order, one at a time. A job that fails
/// gets a &lt;name&gt;.failed file with the reason next to its spec and is not retried until that file is removed.
/// </summary>
public static class JobQueue
{
    public static string FailedMarker(string specPath) => Path.ChangeExtension(specPath, ".failed");

    public static IReadOnlyList<JobEntry> List(string jobsDir)
    {
        var entries = new List<JobEntry>();
        foreach (var specPath in Directory.GetFiles(jobsDir, "*.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(specPath);
            JobSpec spec;
            try
            {
                spec = JobSpec.Load(specPath);
            }
            catch (InputException e)
            {
                entries.Add(new JobEntry(name, specPath, null, JobPhase.Failed, null, e.Message));
                continue;
            }
            var overview = JobOverview.Of(new FileJobStore(spec.Output));
            var failed = FailedMarker(specPath);
            if (File.Exists(failed))
            {
                entries.Add(new JobEntry(name, specPath, spec.Output, JobPhase.Failed, overview, "see " + failed) { Marked = true });
                continue;
            }
            var phase = overview.Phase == JobPhase.NotStarted ? JobPhase.Queued : overview.Phase;
            entries.Add(new JobEntry(name, specPath, spec.Output, phase, overview, overview.Note));
        }
        return entries;
    }

    /// <summary>
    /// The next job to run: those with a checkpoint waiting first (stopped, interrupted, failed once its marker was
    /// removed, or unreadable: the run fails with the reason and marks it), then queued ones, each in name order.
    /// </summary>
    public static JobEntry? Next(string jobsDir)
    {
        var all = List(jobsDir).Where(e => !e.Marked && e.Overview is not null).ToList();
        return all.FirstOrDefault(e => e.Phase is JobPhase.Stopped or JobPhase.Interrupted or JobPhase.Failed or JobPhase.Corrupt)
            ?? all.FirstOrDefault(e => e.Phase == JobPhase.Queued);
    }

    public static void MarkFailed(JobEntry entry, string reason)
    {
        ArgumentNullException.ThrowIfNull(entry);
        AtomicFile.WriteAllText(FailedMarker(entry.SpecPath), reason + "\n");
    }
}
