namespace LongRopeSearch.Core;

/// <summary>Where user-supplied bytes stop being UTF-8, for messages that name the byte.</summary>
public static class Utf8Input
{
    /// <summary>Offset of the first byte that does not start a valid UTF-8 sequence (the length when all are valid).</summary>
    public static int FirstInvalid(ReadOnlySpan<byte> utf8)
    {
        if (System.Text.Unicode.Utf8.IsValid(utf8)) return utf8.Length;
        int i = 0;
        while (i < utf8.Length && System.Text.Rune.DecodeFromUtf8(utf8[i..], out _, out int consumed) == System.Buffers.OperationStatus.Done) i += consumed;
        return i;
    }
}
