using System.Buffers.Binary;
using System.Text;

namespace LongRopeSearch.Model.Tests;

/// <summary>Writes safetensors files byte by byte from a hand-written header, so tests can make the header lie.</summary>
internal static class RawSafetensors
{
    /// <summary>u64 length of <paramref name="headerJson"/> (padded with spaces to a multiple of 8), the header, then <paramref name="dataBytes"/> zero bytes.</summary>
    public static void Write(string path, string headerJson, long dataBytes)
    {
        var header = Encoding.UTF8.GetBytes(headerJson);
        var padded = new byte[(header.Length + 7) / 8 * 8];
        Array.Fill(padded, (byte)' ');
        header.CopyTo(padded, 0);
        using var f = File.Create(path);
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded.Length);
        f.Write(prefix);
        f.Write(padded);
        f.Write(new byte[dataBytes]);
    }

    /// <summary>One header entry as JSON text.</summary>
    public static string Entry(string name, string dtype, int[] shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{string.Join(",", shape)}],\"data_offsets\":[{begin},{end}]}}";

    public static string Header(params string[] entries) => "{" + string.Join(",", entries) + "}";
}
