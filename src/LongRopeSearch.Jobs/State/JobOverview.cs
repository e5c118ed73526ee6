using LongRopeSearch.Core;
using LongRopeSearch.Search;

namespace LongRopeSearch.Jobs;

/// <summary>
/// What `status`, the worker's queue and the report say about a job, concluded in one place from what its store
/// holds — and checked, not just repeated: a job is shown resumable only when its checkpoint really restores.
/// </summary>
/// <param name="Progress">Stage, generation, evaluations, best ppl, rate, ETA (null when there is nothing to show).</param>
/// <param name="Note">Why it failed, what is unreadable, or null.</param>
/// <param name="Problem">An unreadable checkpoint or status file (the CLI exits 2 with it after showing the table).</param>
public sealed record JobOverview(JobPhase Phase, JobStatus? Progress, string? Note, InputException? Problem)
{
    /// <summary>
    /// The rules, in order: a held lock is <see cref="JobPhase.Running"/> (the lock is an flock, gone with its
    /// process); otherwise the checkpoint is read and restored — unreadable is <see cref="JobPhase.Corrupt"/>,
    /// finished is <see cref="JobPhase.Finished"/>; then what the last run recorded: failed, stopped, or nothing
    /// (it died: <see cref="JobPhase.Interrupted"/>). The progress of a job nobody runs comes from its checkpoint,
    /// which is the truth even when status.json is behind it (a kill between the two writes).
    /// </summary>
    public static JobOverview Of(IJobStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        JobStatus? status = null;
        InputException? statusProblem = null;
        try
        {
            status = store.LoadStatus();
        }
        catch (InputException e)
        {
            statusProblem = e;
        }

        if (store.ProbeLock() is { Held: true } held)
            return new JobOverview(JobPhase.Running, status, statusProblem?.Message ?? (held.Owner is { } o ? "run by " + o : null), statusProblem);

        JobState? state;
        try
        {
            state = store.LoadState();
        }
        catch (InputException e)
        {
            return new JobOverview(JobPhase.Corrupt, status, e.Message, e);
        }
        if (state is null)
        {
            if (status is { State: JobPhase.Failed }) return new JobOverview(JobPhase.Failed, status, status.Error, null);
            return statusProblem is not null
                ? new JobOverview(JobPhase.Corrupt, null, statusProblem.Message, statusProblem)
                : new JobOverview(JobPhase.NotStarted, null, null, null);
        }
        JobStatus progress;
        try
        {
            progress = JobStatus.From(state, state.RestoreSearch(SeedProvider.None, store.NameOf(JobArtifact.State)).Progress, state.Status);
        }
        catch (InputException e)
        {
            return new JobOverview(JobPhase.Corrupt, status, e.Message, e);
        }
        if (state.Status == JobPhase.Finished) return new JobOverview(JobPhase.Finished, progress, null, statusProblem);
        if (statusProblem is not null) return new JobOverview(JobPhase.Interrupted, progress, statusProblem.Message, statusProblem);
        return status?.State switch
        {
            JobPhase.Failed => new JobOverview(JobPhase.Failed, WithError(progress, status.Error), status.Error, null),
            JobPhase.Stopped => new JobOverview(JobPhase.Stopped, progress, null, null),
            _ => new JobOverview(JobPhase.Interrupted, progress, "its process ended without stopping (killed?); `resume` continues from the checkpoint", null),
        };
    }

    private static JobStatus WithError(JobStatus progress, string? error)
    {
        progress.Error = error;
        return progress;
    }
}
