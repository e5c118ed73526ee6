using System.Globalization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Exclusive ownership of a job's output directory for the life of a process: job.lock held open with FileShare.None
/// (an flock on Linux), so a second runner gets a clear error and a killed process releases it automatically.
/// The owner's PID and host go to job.owner, a separate file: on Unix .NET takes a shared flock to read any file, which
/// the exclusive lock on job.lock refuses, so the lock file itself cannot be read by the process that needs to know.
/// </summary>
public sealed class JobLock : IDisposable
{
    public const string LockFile = "job.lock";
    private const string OwnerFile = "job.owner";

    /// <summary>
    /// <see cref="IsHeld"/> (e.g. `longrope status`) takes the lock for an instant to test it; a runner starting in
    /// that instant must not fail (a worker would mark its job failed), so acquiring retries for this long.
    /// </summary>
    private static readonly TimeSpan ProbeTolerance = TimeSpan.FromMilliseconds(250);

    private readonly FileStream _stream;

    private JobLock(FileStream stream) => _stream = stream;

    public static JobLock Acquire(string outputDir)
    {
        try
        {
            Directory.CreateDirectory(outputDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StorageException(outputDir, "create the job directory", e);
        }
        var path = Path.Combine(outputDir, LockFile);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        FileStream fs;
        while (true)
        {
            try
            {
                fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                break;
            }
            catch (IOException e) when (StorageException.IsLockContention(e))
            {
                if (clock.Elapsed < ProbeTolerance)
                {
                    Thread.Sleep(25);
                    continue;
                }
                throw new InputException(outputDir, LockFile, "an output directory no other running job owns", "locked by " + ReadOwner(outputDir), e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // A full disk, a read-only file system, a missing permission: said as such, never as a lock.
                throw new StorageException(path, "open the lock file", e);
            }
        }
        // The lock is ours; writing who holds it can still fail for lack of space, which is not a lock either.
        try
        {
            var owner = string.Create(CultureInfo.InvariantCulture, $"process {Environment.ProcessId} on {Environment.MachineName}");
            fs.SetLength(0);
            fs.Write(System.Text.Encoding.UTF8.GetBytes(owner + "\n")); // for `cat job.lock`
            fs.Flush(true);
            AtomicFile.WriteAllText(Path.Combine(outputDir, OwnerFile), owner + "\n");
            return new JobLock(fs);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            fs.Dispose();
            throw e as StorageException ?? new StorageException(path, "write the lock file", e);
        }
    }

    /// <summary>True when some live process holds the lock of <paramref name="outputDir"/>.</summary>
    public static bool IsHeld(string outputDir) => Probe(outputDir).Held;

    /// <summary>
    /// Whether a live process holds the lock, and who (job.owner). The lock is an flock, which the kernel releases
    /// when its process dies, so a held lock always has a live owner; a lock file that cannot even be opened is an
    /// InputException naming it, not a guess either way.
    /// </summary>
    public static JobLockProbe Probe(string outputDir)
    {
        var path = Path.Combine(outputDir, LockFile);
        if (!File.Exists(path)) return new JobLockProbe(false, null);
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return new JobLockProbe(false, null);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InputException(path, "", "a lock file this user may open", e.Message, e);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            return new JobLockProbe(true, ReadOwner(outputDir));
        }
        catch (IOException)
        {
            return new JobLockProbe(false, null); // removed in between
        }
    }

    private static string ReadOwner(string outputDir)
    {
        try
        {
            var owner = File.ReadAllText(Path.Combine(outputDir, OwnerFile)).Trim();
            return owner.Length > 0 ? owner : "another process";
        }
        catch (IOException)
        {
            return "another process";
        }
    }

    public void Dispose() => _stream.Dispose();
}
