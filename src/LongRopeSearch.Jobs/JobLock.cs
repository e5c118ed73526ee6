using LongRopeSearch.Core;

namespace LongRopeSearch.Jobs;

/// <summary>
/// Exclusive ownership of a job's output directory for the life of a process: job.lock held open with FileShare.None
/// (an flock on Linux), so a second runner gets a clear error and a killed process releases it automatically.
/// The file also records the owner's PID for `status`.
/// </summary>
public sealed class JobLock : IDisposable
{
    private readonly FileStream _stream;

    private JobLock(FileStream stream) => _stream = stream;

    public static JobLock Acquire(string outputDir)
    {
        Directory.CreateDirectory(outputDir);
        var path = Path.Combine(outputDir, "job.lock");
        try
        {
            var fs = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            fs.SetLength(0);
            var pid = System.Text.Encoding.ASCII.GetBytes(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n");
            fs.Write(pid);
            fs.Flush(true);
            return new JobLock(fs);
        }
        catch (IOException e)
        {
            throw new InputException(outputDir, "job.lock", "an output directory no other running job owns", "locked by " + ReadOwner(path), e);
        }
    }

    /// <summary>True when some live process holds the lock of <paramref name="outputDir"/>.</summary>
    public static bool IsHeld(string outputDir)
    {
        var path = Path.Combine(outputDir, "job.lock");
        if (!File.Exists(path)) return false;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    private static string ReadOwner(string path)
    {
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var r = new StreamReader(fs);
            return "process " + r.ReadToEnd().Trim();
        }
        catch (IOException)
        {
            return "another process";
        }
    }

    public void Dispose() => _stream.Dispose();
}
