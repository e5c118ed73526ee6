using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>Reading user-supplied files so that what is wrong with them becomes an InputException naming them.</summary>
internal static class InputFiles
{
    /// <summary>The whole file; one that cannot be read is an InputException naming it, not an I/O crash.</summary>
    public static byte[] ReadAllBytes(string path, string expected)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, "", expected, e.Message, e);
        }
    }

    /// <summary>Offset of the first byte that does not start a valid UTF-8 sequence (the length when all are valid).</summary>
    public static int FirstInvalidUtf8(ReadOnlySpan<byte> utf8) => Utf8Input.FirstInvalid(utf8);
}
