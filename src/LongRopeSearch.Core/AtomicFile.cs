namespace LongRopeSearch.Core;

/// <summary>
/// Writes files so that a reader (or a process restarted after kill -9) sees either the old complete file or the
/// new complete file, never a half-written one: write to a temporary sibling, flush to disk, rename over the target.
/// </summary>
public static class AtomicFile
{
    /// <summary>Writes through <paramref name="write"/> into a temp file next to <paramref name="path"/>, fsyncs, renames.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        try
        {
            Directory.CreateDirectory(dir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException && StorageException.Cause(e) is not null)
        {
            throw new StorageException(dir, "create the directory", e);
        }
        var tmp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(tmp, full, overwrite: true);
        }
        catch (IOException e)
        {
            // Disk full, quota, I/O error: the target was never touched, so say so along with what failed.
            TryDelete(tmp);
            throw new StorageException(full, "write", e, Intact);
        }
        catch (UnauthorizedAccessException e)
        {
            TryDelete(tmp);
            throw new StorageException(full, "write", e, Intact);
        }
        catch
        {
            TryDelete(tmp);
            throw;
        }
    }

    private const string Intact = "nothing was replaced (its previous version, if any, is intact)";

    public static void WriteAllText(string path, string text) =>
        Write(path, s => { using var w = new StreamWriter(s, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true); w.Write(text); });

    public static void WriteAllBytes(string path, ReadOnlySpan<byte> bytes)
    {
        var copy = bytes.ToArray();
        Write(path, s => s.Write(copy));
    }

    private static void TryDelete(string p)
    {
        try { File.Delete(p); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
