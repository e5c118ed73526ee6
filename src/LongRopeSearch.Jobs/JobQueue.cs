using LongRopeSearch.Core;

namespace LongRopeSearch.Jobs;

/// <summary>One job spec found in a jobs directory.</summary>
/// <param name="QueueState">queued, running (someone holds its lock), stopped (checkpoint, nobody running), finished or failed.</param>
public sealed record JobEntry(string Name, string SpecPath, string? Output, string QueueState, string? Error);

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
        foreach (var spec in Directory.GetFiles(jobsDir, "*.json").Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileNameWithoutExtension(spec);
            var failed = FailedMarker(spec);
            if (File.Exists(failed))
            {
                entries.Add(new JobEntry(name, spec, TryOutput(spec), "failed", File.ReadAllText(failed).Trim()));
                continue;
            }
            string? output;
            try
            {
                output = JobSpec.Load(spec).Output;
            }
            catch (InputException e)
            {
                entries.Add(new JobEntry(name, spec, null, "failed", e.Message));
                continue;
            }
            var dir = new JobDirectory(output);
            var status = JobStatus.TryLoad(dir.Status);
            var state = status is null ? "queued"
                : status.State == "finished" ? "finished"
                : JobLock.IsHeld(dir.Root) ? "running" : "stopped";
            entries.Add(new JobEntry(name, spec, output, state, status?.Error));
        }
        return entries;
    }

    /// <summary>The next job to run: stopped ones (a checkpoint waiting) first, then queued ones, each in name order.</summary>
    public static JobEntry? Next(string jobsDir)
    {
        var all = List(jobsDir);
        return all.FirstOrDefault(e => e.QueueState == "stopped") ?? all.FirstOrDefault(e => e.QueueState == "queued");
    }

    public static void MarkFailed(JobEntry entry, string reason) =>
        AtomicFile.WriteAllText(FailedMarker(entry.SpecPath), reason + "\n");

    private static string? TryOutput(string spec)
    {
        try
        {
            return JobSpec.Load(spec).Output;
        }
        catch (InputException)
        {
            return null;
        }
    }
}
