using LongRopeSearch.Rope;
using LongRopeSearch.Store;
using LongRopeSearch.Store.Exports;
using LongRopeSearch.Store.History;
using LongRopeSearch.Store.Validation;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Where one job keeps what it needs and what it produces: its spec, its checkpoint (<see cref="JobState"/>), its
/// status, the best factor set of each finished stage, the validation tables and the history of every evaluation,
/// plus the exclusive right to run it. <see cref="FileJobStore"/> keeps them as files in the job's directory (the
/// embedded default); a database-backed store (a cluster) implements the same contract.
/// <para>
/// The contract a runner relies on: every Save replaces the previous version atomically (a reader, or a process
/// restarted after kill -9, sees the old or the new one, never a mix); a Load of something absent is null, of
/// something unreadable an InputException naming <see cref="NameOf"/> it; only the holder of the
/// <see cref="Acquire">lease</see> writes.
/// </para>
/// </summary>
public interface IJobStore
{
    /// <summary>Where the job lives, for messages (a directory, a database job).</summary>
    string Location { get; }

    /// <summary>How messages name one artifact of this job (a file path for files).</summary>
    string NameOf(JobArtifact artifact);

    /// <summary>True when a checkpoint exists (whether or not it is readable).</summary>
    bool HasState { get; }

    JobSpec? LoadSpec();
    void SaveSpec(JobSpec spec);

    JobState? LoadState();
    void SaveState(JobState state);

    JobStatus? LoadStatus();
    void SaveStatus(JobStatus status);

    /// <summary>The best factor sets of the finished stages (and their deployable twins): long ones by length, then short ones.</summary>
    IReadOnlyList<BestFactorFile> ListBest();

    /// <summary>A best factor set with <paramref name="pairs"/> λ, with the trained context L0 and search ppl it records (null when it records none).</summary>
    StoredBest LoadBest(BestFactorFile best, int pairs);

    /// <summary>
    /// Stores a stage's best factor set with the fields that describe it (stage, lengths, scores, origin);
    /// <paramref name="deployable"/>: the stage's best set with n̂ = 0, kept beside the best overall.
    /// </summary>
    void SaveBest(FactorKind kind, int length, FactorSet factors, IReadOnlyDictionary<string, object?> fields, bool deployable = false);

    ValidationFile? LoadValidation();
    void SaveValidation(ValidationFile validation);

    /// <summary>The history to append to (and cut back on resume); <paramref name="metadata"/> labels it (job id, code version, model).</summary>
    IJobHistory OpenHistory(IReadOnlyDictionary<string, string> metadata);

    /// <summary>Every history row committed so far, in evaluation order.</summary>
    IReadOnlyList<HistoryRow> ReadHistory();

    /// <summary>
    /// The exclusive right to write this job, until disposed; released by itself if the process dies. Refused with an
    /// InputException naming the owner when someone else holds it. Repairs what a killed writer left behind.
    /// </summary>
    IJobLease Acquire();

    /// <summary>Whether a live process holds the lease, without taking it.</summary>
    JobLockProbe ProbeLock();
}

/// <summary>The artifacts of a job, for <see cref="IJobStore.NameOf"/>.</summary>
public enum JobArtifact
{
    Spec,
    State,
    Status,
    Best,
    Validation,
    History,
    Lock,
}

/// <summary>A job's history of evaluations (history.parquet for files), append-only except for a resume's cut.</summary>
public interface IJobHistory
{
    /// <summary>Appends one generation's rows as one unit.</summary>
    void Append(IReadOnlyList<HistoryRow> rows);

    /// <summary>Drops rows past <paramref name="rows"/>: those a killed run wrote before its checkpoint counted them.</summary>
    void TruncateTo(long rows);
}

/// <summary>The exclusive right to run a job (<see cref="IJobStore.Acquire"/>).</summary>
public interface IJobLease : IDisposable
{
    /// <summary>What acquiring repaired, one sentence each (e.g. temporary files of writes interrupted by a kill).</summary>
    IReadOnlyList<string> Repairs { get; }
}

/// <summary>Who holds a job's lease. <paramref name="Owner"/>: "process 123 on host", when known.</summary>
public sealed record JobLockProbe(bool Held, string? Owner);
