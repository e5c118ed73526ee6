namespace LongRopeSearch.Core;

/// <summary>
/// A file the tool had to write (or read) could not be, for a reason of the storage itself: a full disk, a read-only
/// file system, a missing permission, a quota, an I/O error. The message names the path and the real cause; the
/// HResult of the underlying error is kept (on Unix .NET sets it to the errno), so callers can tell these apart from
/// a lock held by another process. The CLI prints it as one line, exit 1.
/// </summary>
public sealed class StorageException : IOException
{
    public StorageException(string path, string action, Exception inner, string? note = null)
        : base(Format(path, action, inner, note), inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        HResult = inner.HResult;
        PathName = path;
    }

    public StorageException() { PathName = ""; }
    public StorageException(string message) : base(message) { PathName = ""; }
    public StorageException(string message, Exception inner) : base(message, inner) { PathName = ""; }

    /// <summary>The file or directory that could not be written or read.</summary>
    public string PathName { get; }

    // errno values (Linux), as .NET on Unix puts them in IOException.HResult, and the Windows HRESULTs of the same causes.
    private const int Eperm = 1, Eio = 5, Eacces = 13, Enospc = 28, Erofs = 30, Edquot = 122, Emfile = 24;
    private const int WinDiskFull = unchecked((int)0x80070070), WinHandleDiskFull = unchecked((int)0x80070027), WinAccessDenied = unchecked((int)0x80070005), WinWriteProtect = unchecked((int)0x80070013);

    /// <summary>EWOULDBLOCK/EAGAIN (an flock held by another process) on Unix, ERROR_SHARING_VIOLATION / ERROR_LOCK_VIOLATION on Windows.</summary>
    public static bool IsLockContention(IOException e)
    {
        ArgumentNullException.ThrowIfNull(e);
        return e.HResult is 11 or unchecked((int)0x80070020) or unchecked((int)0x80070021);
    }

    /// <summary>The storage cause of <paramref name="e"/> in words ("no space left on device (the disk is full)"), or null when it is none of the known ones.</summary>
    public static string? Cause(Exception e) => e switch
    {
        StorageException { InnerException: { } inner } => Cause(inner),
        UnauthorizedAccessException => "permission denied",
        IOException io => io.HResult switch
        {
            Enospc or WinDiskFull or WinHandleDiskFull => "no space left on device (the disk is full)",
            Erofs or WinWriteProtect => "read-only file system",
            Eacces or Eperm or WinAccessDenied => "permission denied",
            Edquot => "disk quota exceeded",
            Eio => "input/output error",
            Emfile => "too many open files",
            _ => null,
        },
        _ => null,
    };

    /// <summary>One line for the CLI: the real cause first when it is a storage one, then what .NET said.</summary>
    public static string Describe(Exception e)
    {
        ArgumentNullException.ThrowIfNull(e);
        if (e is StorageException) return e.Message;
        return Cause(e) is { } cause ? $"{cause}: {e.Message}" : e.Message;
    }

    private static string Format(string path, string action, Exception inner, string? note)
    {
        var what = Cause(inner) is { } cause ? $"{cause} ({inner.Message})" : inner.Message;
        return note is null ? $"{path}: could not {action}: {what}" : $"{path}: could not {action}: {what}; {note}";
    }
}
