using System.Buffers;
using System.Numerics;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// The RLE / bit-packing hybrid of Encodings.md (encoding RLE = 3), used here for repetition and definition levels.
/// The stream is a sequence of runs, each introduced by a ULEB128 header whose low bit picks the kind:
/// RLE run: header = count &lt;&lt; 1, then the value in ceil(bitWidth / 8) little-endian bytes.
/// Bit-packed run: header = (groups &lt;&lt; 1) | 1, then groups × 8 values packed LSB-first, bitWidth bits each.
/// A bit-packed run always holds whole groups of 8; only the last run of a stream may be padded with zeros, because
/// the reader knows how many values to take from the page's num_values.
/// </summary>
internal static class RleBitPackedHybrid
{
    // Runs shorter than this are cheaper bit-packed than as an RLE header + value.
    private const int MinRleRun = 8;

    // parquet-mr and others reserve a one-byte header for bit-packed runs (63 groups); staying within it is harmless.
    private const int MaxGroupsPerBitPackedRun = 63;

    /// <summary>Bits needed for values 0..maxValue (0 when maxValue is 0).</summary>
    public static int BitWidth(int maxValue) => maxValue <= 0 ? 0 : 32 - BitOperations.LeadingZeroCount((uint)maxValue);

    public static void Encode(ReadOnlySpan<int> values, int bitWidth, ArrayBufferWriter<byte> output)
    {
        var i = 0;
        while (i < values.Length)
        {
            var run = RunLength(values, i);
            if (run >= MinRleRun)
            {
                WriteVarint(output, (ulong)run << 1);
                WriteRleValue(output, values[i], bitWidth);
                i += run;
                continue;
            }
            // Bit-pack whole groups until a long run starts at a group boundary or the values end.
            var start = i;
            var groups = 0;
            while (i < values.Length && groups < MaxGroupsPerBitPackedRun)
            {
                i = Math.Min(i + 8, values.Length);
                groups++;
                if (i < values.Length && RunLength(values, i) >= MinRleRun) break;
            }
            WriteVarint(output, ((ulong)groups << 1) | 1);
            WriteBitPacked(output, values[start..i], groups * 8, bitWidth);
        }
    }

    /// <summary>Fills <paramref name="output"/> from the encoded stream; <paramref name="what"/> names the levels for errors.</summary>
    public static void Decode(ReadOnlySpan<byte> data, int bitWidth, Span<int> output, string source, string what)
    {
        var position = 0;
        var filled = 0;
        var valueBytes = (bitWidth + 7) / 8;
        while (filled < output.Length)
        {
            if (position >= data.Length)
            {
                throw new InputException(source, what, $"{output.Length} values", $"the encoded data ends after {filled}");
            }
            var header = ReadVarint(data, ref position, source, what);
            var wanted = output.Length - filled;
            if ((header & 1) == 0)
            {
                var count = header >> 1;
                if (position + valueBytes > data.Length) throw new InputException(source, what, "an RLE run value", "the data ends");
                var value = 0;
                for (var b = 0; b < valueBytes; b++) value |= data[position + b] << (8 * b);
                position += valueBytes;
                var take = (int)Math.Min(count, (ulong)wanted);
                output.Slice(filled, take).Fill(value);
                filled += take;
            }
            else
            {
                var groups = header >> 1;
                if (groups > int.MaxValue / 8) throw new InputException(source, what, "a bit-packed run below 2^31 values", $"{groups} groups");
                var take = (int)Math.Min(groups * 8, (ulong)wanted);
                var needBytes = (take * bitWidth + 7) / 8;
                if (position + needBytes > data.Length) throw new InputException(source, what, $"{needBytes} bytes of bit-packed values", $"{data.Length - position}");
                UnpackBits(data.Slice(position, needBytes), bitWidth, output.Slice(filled, take));
                filled += take;
                // Skip the whole run, including padding values beyond those we need.
                position = (int)Math.Min((ulong)data.Length, (ulong)position + groups * (ulong)bitWidth);
            }
        }
    }

    /// <summary>Values packed LSB-first (Encodings.md, RLE section note 1); used for levels and PLAIN booleans.</summary>
    public static void UnpackBits(ReadOnlySpan<byte> packed, int bitWidth, Span<int> output)
    {
        var mask = bitWidth == 32 ? ulong.MaxValue : (1UL << bitWidth) - 1;
        ulong buffer = 0;
        var bufferBits = 0;
        var next = 0;
        for (var i = 0; i < output.Length; i++)
        {
            while (bufferBits < bitWidth)
            {
                buffer |= (ulong)packed[next++] << bufferBits;
                bufferBits += 8;
            }
            output[i] = (int)(buffer & mask);
            buffer >>= bitWidth;
            bufferBits -= bitWidth;
        }
    }

    /// <summary>Packs <paramref name="values"/> LSB-first, padding with zeros up to <paramref name="paddedCount"/> values.</summary>
    public static void WriteBitPacked(ArrayBufferWriter<byte> output, ReadOnlySpan<int> values, int paddedCount, int bitWidth)
    {
        var byteCount = (paddedCount * bitWidth + 7) / 8;
        var span = output.GetSpan(byteCount)[..byteCount];
        span.Clear();
        ulong buffer = 0;
        var bufferBits = 0;
        var next = 0;
        foreach (var value in values)
        {
            buffer |= (ulong)(uint)value << bufferBits;
            bufferBits += bitWidth;
            while (bufferBits >= 8)
            {
                span[next++] = (byte)buffer;
                buffer >>= 8;
                bufferBits -= 8;
            }
        }
        if (bufferBits > 0) span[next] = (byte)buffer;
        output.Advance(byteCount);
    }

    private static int RunLength(ReadOnlySpan<int> values, int start)
    {
        var end = start + 1;
        while (end < values.Length && values[end] == values[start]) end++;
        return end - start;
    }

    private static void WriteRleValue(ArrayBufferWriter<byte> output, int value, int bitWidth)
    {
        var valueBytes = (bitWidth + 7) / 8;
        var span = output.GetSpan(valueBytes);
        for (var b = 0; b < valueBytes; b++) span[b] = (byte)(value >> (8 * b));
        output.Advance(valueBytes);
    }

    private static void WriteVarint(ArrayBufferWriter<byte> output, ulong value)
    {
        var span = output.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        output.Advance(n);
    }

    private static ulong ReadVarint(ReadOnlySpan<byte> data, ref int position, string source, string what)
    {
        ulong result = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            if (position >= data.Length) throw new InputException(source, what, "a complete run header", "the data ends inside one");
            var b = data[position++];
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw new InputException(source, what, "a run header of at most 9 bytes", "a longer one");
    }
}
