using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;
using LongRopeSearch.Store;
using LongRopeSearch.Store.Exports;
using LongRopeSearch.Store.History;
using LongRopeSearch.Store.Validation;

namespace LongRopeSearch.Jobs;

/// <summary>
/// A job kept as files in one directory (<see cref="JobDirectory"/>): every file written atomically (AtomicFile), the
/// lease an flock on job.lock (<see cref="JobLock"/>), stale temporary files of killed writers removed on acquiring.
/// Paths inside job.json are relative to the directory, so the directory can be copied or moved and resumed there.
/// </summary>
public sealed class FileJobStore(string directory) : IJobStore
{
    public JobDirectory Paths { get; } = new(directory);

    public string Location => Paths.Root;

    public string NameOf(JobArtifact artifact) => artifact switch
    {
        JobArtifact.Spec => Paths.Spec,
        JobArtifact.State => Paths.State,
        JobArtifact.Status => Paths.Status,
        JobArtifact.Best => Paths.BestDir,
        JobArtifact.Validation => Paths.Validation,
        JobArtifact.History => Paths.History,
        JobArtifact.Lock => Path.Combine(Paths.Root, JobLock.LockFile),
        _ => throw new ArgumentOutOfRangeException(nameof(artifact), artifact, null),
    };

    public bool HasState => File.Exists(Paths.State);

    public JobSpec? LoadSpec() => File.Exists(Paths.Spec) ? JobSpec.LoadJobFile(Paths.Spec, Paths.Root) : null;

    public void SaveSpec(JobSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        spec.SaveJobFile(Paths.Spec, Paths.Root);
    }

    public JobState? LoadState() => Read(Paths.State) is { } text ? JobState.FromJson(text, Paths.State) : null;

    public void SaveState(JobState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        AtomicFile.WriteAllText(Paths.State, state.ToJson());
    }

    public JobStatus? LoadStatus() => JobStatus.Load(Paths.Status);

    public void SaveStatus(JobStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        AtomicFile.WriteAllText(Paths.Status, status.ToJson() + "\n");
    }

    public IReadOnlyList<BestFactorFile> ListBest() => BestFactorFiles.List(Paths.BestDir);

    public StoredBest LoadBest(BestFactorFile best, int pairs)
    {
        ArgumentNullException.ThrowIfNull(best);
        return BestFactorFiles.Load(best.Path, pairs);
    }

    public void SaveBest(FactorKind kind, int length, FactorSet factors, IReadOnlyDictionary<string, object?> fields, bool deployable = false) =>
        FactorFile.SaveJson(Paths.BestFile(kind, length, deployable), factors, fields.ToDictionary());

    public ValidationFile? LoadValidation() => ValidationFile.Read(Paths.Validation);

    public void SaveValidation(ValidationFile validation)
    {
        ArgumentNullException.ThrowIfNull(validation);
        validation.Write(Paths.Validation);
    }

    public IJobHistory OpenHistory(IReadOnlyDictionary<string, string> metadata) => new ParquetHistory(new HistoryLog(Paths.History, metadata));

    public IReadOnlyList<HistoryRow> ReadHistory() => HistoryLog.ReadAll(Paths.History);

    public IJobLease Acquire()
    {
        var jobLock = JobLock.Acquire(Paths.Root);
        var repairs = new List<string>();
        if (Paths.RemoveStaleTempFiles() is > 0 and var stale)
            repairs.Add(string.Create(CultureInfo.InvariantCulture, $"removed {stale} temporary files of writes interrupted by a kill"));
        return new Lease(jobLock, repairs);
    }

    public JobLockProbe ProbeLock() => JobLock.Probe(Paths.Root);

    /// <summary>The file's text, or null when it does not exist; other I/O failures are InputExceptions naming it.</summary>
    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (FileNotFoundException) { return null; }
        catch (DirectoryNotFoundException) { return null; }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, "", "a readable file", e.Message, e);
        }
    }

    private sealed class ParquetHistory(HistoryLog log) : IJobHistory
    {
        public void Append(IReadOnlyList<HistoryRow> rows) => log.Append(rows);

        public void TruncateTo(long rows) => log.TruncateTo(rows);
    }

    private sealed class Lease(JobLock jobLock, IReadOnlyList<string> repairs) : IJobLease
    {
        public IReadOnlyList<string> Repairs => repairs;

        public void Dispose() => jobLock.Dispose();
    }
}
