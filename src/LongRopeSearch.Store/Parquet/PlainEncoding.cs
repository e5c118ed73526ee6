using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// PLAIN encoding (Encodings.md): fixed-width values little-endian back to back; BOOLEAN bit-packed LSB-first, one bit
/// each; BYTE_ARRAY as a 4-byte little-endian length then the bytes. Only non-null leaf values are encoded: nulls and
/// list structure live in the levels.
/// The leaf arrays are those of <see cref="ColumnData.Leaf"/>: int[], long[], float[], double[], bool[] or byte[][].
/// </summary>
internal static class PlainEncoding
{
    public static Type LeafArrayType(PhysicalType physical) => physical switch
    {
        PhysicalType.Int32 => typeof(int[]),
        PhysicalType.Int64 => typeof(long[]),
        PhysicalType.Float => typeof(float[]),
        PhysicalType.Double => typeof(double[]),
        PhysicalType.Boolean => typeof(bool[]),
        PhysicalType.ByteArray => typeof(byte[][]),
        _ => throw new ArgumentOutOfRangeException(nameof(physical), physical, "no PLAIN leaf array for this physical type"),
    };

    /// <summary>Appends leaf values [start, start + count) of <paramref name="leaf"/>.</summary>
    public static void Encode(Array leaf, int start, int count, ArrayBufferWriter<byte> output)
    {
        switch (leaf)
        {
            // Fixed-width values: the in-memory little-endian layout is the PLAIN layout.
            case int[] ints: WriteFixed<int>(ints.AsSpan(start, count), output); break;
            case long[] longs: WriteFixed<long>(longs.AsSpan(start, count), output); break;
            case float[] floats: WriteFixed<float>(floats.AsSpan(start, count), output); break;
            case double[] doubles: WriteFixed<double>(doubles.AsSpan(start, count), output); break;
            case bool[] bools: WriteBooleans(bools.AsSpan(start, count), output); break;
            case byte[][] arrays:
                foreach (var bytes in arrays.AsSpan(start, count))
                {
                    var span = output.GetSpan(4 + bytes.Length);
                    BinaryPrimitives.WriteInt32LittleEndian(span, bytes.Length);
                    bytes.CopyTo(span[4..]);
                    output.Advance(4 + bytes.Length);
                }
                break;
            default:
                throw new ArgumentException($"unsupported leaf array {leaf.GetType()}", nameof(leaf));
        }
    }

    /// <summary>Decodes exactly <paramref name="count"/> values; <paramref name="what"/> names the page for errors.</summary>
    public static Array Decode(PhysicalType physical, ReadOnlySpan<byte> data, int count, string source, string what)
    {
        switch (physical)
        {
            case PhysicalType.Int32: return ReadFixed<int>(data, count, source, what);
            case PhysicalType.Int64: return ReadFixed<long>(data, count, source, what);
            case PhysicalType.Float: return ReadFixed<float>(data, count, source, what);
            case PhysicalType.Double: return ReadFixed<double>(data, count, source, what);
            case PhysicalType.Boolean:
                {
                    var needed = (count + 7) / 8;
                    if (data.Length < needed) throw Short(source, what, needed, data.Length, count, "BOOLEAN");
                    var bits = new int[count];
                    RleBitPackedHybrid.UnpackBits(data[..needed], 1, bits);
                    var result = new bool[count];
                    for (var i = 0; i < count; i++) result[i] = bits[i] != 0;
                    return result;
                }
            case PhysicalType.ByteArray:
                {
                    var result = new byte[count][];
                    var position = 0;
                    for (var i = 0; i < count; i++)
                    {
                        if (data.Length - position < 4) throw Short(source, what, position + 4, data.Length, count, "BYTE_ARRAY");
                        var length = BinaryPrimitives.ReadInt32LittleEndian(data[position..]);
                        position += 4;
                        if (length < 0 || length > data.Length - position)
                        {
                            throw new InputException(source, what, $"a BYTE_ARRAY value of at most {data.Length - position} bytes (value {i})", $"length {length}");
                        }
                        result[i] = data.Slice(position, length).ToArray();
                        position += length;
                    }
                    return result;
                }
            default:
                throw new InputException(source, what, "a PLAIN physical type this reader supports", physical.ToString());
        }
    }

    private static void WriteFixed<T>(ReadOnlySpan<T> values, ArrayBufferWriter<byte> output) where T : unmanaged
    {
        // PLAIN is little-endian; so is every platform .NET 10 runs on, but say so rather than assume silently.
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the Parquet writer needs a little-endian CPU");
        output.Write(MemoryMarshal.AsBytes(values));
    }

    private static T[] ReadFixed<T>(ReadOnlySpan<byte> data, int count, string source, string what) where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the Parquet reader needs a little-endian CPU");
        var size = Marshal.SizeOf<T>();
        var needed = (long)count * size;
        if (data.Length < needed) throw Short(source, what, needed, data.Length, count, typeof(T).Name);
        return MemoryMarshal.Cast<byte, T>(data[..(int)needed]).ToArray();
    }

    private static void WriteBooleans(ReadOnlySpan<bool> values, ArrayBufferWriter<byte> output)
    {
        var byteCount = (values.Length + 7) / 8;
        var span = output.GetSpan(byteCount)[..byteCount];
        span.Clear();
        for (var i = 0; i < values.Length; i++)
        {
            if (values[i]) span[i >> 3] |= (byte)(1 << (i & 7));
        }
        output.Advance(byteCount);
    }

    private static InputException Short(string source, string what, long needed, int available, int count, string type) =>
        new(source, what, $"{needed} bytes of PLAIN {type} data for {count} values", $"{available} bytes");
}
