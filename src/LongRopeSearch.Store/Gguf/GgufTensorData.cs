using TensorPrimitives = System.Numerics.Tensors.TensorPrimitives;
using System.Runtime.InteropServices;
using LongRopeSearch.Model;

namespace LongRopeSearch.Store.Gguf;

/// <summary>What element type the weight matrices of an exported GGUF get.</summary>
public enum GgufOutType
{
    /// <summary>Each matrix in the type it is stored in (F32, F16 or BF16).</summary>
    AsStored,
    F32,
    F16,
    BF16,
}

/// <summary>
/// Streams a model tensor (a view into a memory-mapped safetensors file) into a GGUF tensor, optionally converting
/// F32 ↔ F16 ↔ BF16 and reordering rows. Memory: one buffer of at most ~4 MiB whatever the tensor's size.
/// Conversions go through float32, which holds every F16 and BF16 value exactly, so each output value is rounded once
/// (round to nearest even, as PyTorch's .to(dtype) does).
/// </summary>
internal static class GgufTensorData
{
    private const int ChunkBytes = 4 << 20;

    public static GgufTensorType TypeOf(DType dtype) => dtype switch
    {
        DType.F32 => GgufTensorType.F32,
        DType.F16 => GgufTensorType.F16,
        DType.BF16 => GgufTensorType.BF16,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "unsupported dtype"),
    };

    public static GgufTensorType Resolve(GgufOutType outType, DType stored) => outType switch
    {
        GgufOutType.AsStored => TypeOf(stored),
        GgufOutType.F32 => GgufTensorType.F32,
        GgufOutType.F16 => GgufTensorType.F16,
        GgufOutType.BF16 => GgufTensorType.BF16,
        _ => throw new ArgumentOutOfRangeException(nameof(outType), outType, "unknown output type"),
    };

    /// <summary>
    /// A GGUF entry for <paramref name="source"/>: dims reversed into ggml order, element type <paramref name="type"/>,
    /// and, when <paramref name="rowOrder"/> is given, output row r = source row rowOrder[r] (a row being one index of
    /// the first PyTorch dimension: a matrix row, or one element of a vector).
    /// </summary>
    public static GgufTensorEntry Entry(string name, Tensor source, GgufTensorType type, int[]? rowOrder = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (rowOrder is not null && rowOrder.Length != source.Shape[0])
            throw new ArgumentException($"{name}: row order has {rowOrder.Length} entries, the tensor {source.Shape[0]} rows", nameof(rowOrder));
        var dims = source.Shape.Reverse().Select(d => (long)d).ToArray();
        return new GgufTensorEntry(name, dims, type, s => Write(s, source, type, rowOrder));
    }

    /// <summary>A small float32 vector built in memory (the rope factor tensors).</summary>
    public static GgufTensorEntry Vector(string name, float[] values) =>
        new(name, [values.Length], GgufTensorType.F32, s => s.Write(MemoryMarshal.AsBytes(values.AsSpan())));

    private static unsafe void Write(Stream stream, Tensor source, GgufTensorType type, int[]? rowOrder)
    {
        if (rowOrder is null && TypeOf(source.DType) == type)
        {
            // Same type, same order: the stored bytes are the GGUF bytes.
            for (long off = 0; off < source.ByteLength; off += ChunkBytes)
            {
                int n = (int)Math.Min(ChunkBytes, source.ByteLength - off);
                stream.Write(new ReadOnlySpan<byte>(source.Data + off, n));
            }
            return;
        }

        int rows = source.Shape[0];
        long rowLength = source.ElementCount / rows;
        int outSize = GgufTensorTypeInfo.ElementSize(type);
        // Whole rows per chunk (at least one): a row of a 7B model's embedding is 4096 values.
        long rowsPerChunk = Math.Max(1, ChunkBytes / 4 / rowLength);
        var floats = new float[checked((int)(rowsPerChunk * rowLength))]; // [rowsPerChunk, rowLength] float32
        var bytes = new byte[floats.Length * outSize];                     // [rowsPerChunk, rowLength] in the output type
        for (int r0 = 0; r0 < rows; r0 += (int)rowsPerChunk)
        {
            int count = (int)Math.Min(rowsPerChunk, rows - r0);
            if (rowOrder is null)
            {
                source.Read((long)r0 * rowLength, floats.AsSpan(0, (int)(count * rowLength)));
            }
            else
            {
                for (int k = 0; k < count; k++)
                    source.Read(rowOrder[r0 + k] * rowLength, floats.AsSpan((int)(k * rowLength), (int)rowLength));
            }
            int n = (int)(count * rowLength);
            Convert(floats.AsSpan(0, n), type, bytes.AsSpan(0, n * outSize));
            stream.Write(bytes, 0, n * outSize);
        }
    }

    private static void Convert(ReadOnlySpan<float> src, GgufTensorType type, Span<byte> dst)
    {
        switch (type)
        {
            case GgufTensorType.F32:
                MemoryMarshal.AsBytes(src).CopyTo(dst);
                break;
            case GgufTensorType.F16:
                TensorPrimitives.ConvertToHalf(src, MemoryMarshal.Cast<byte, Half>(dst));
                break;
            case GgufTensorType.BF16:
                var bf = MemoryMarshal.Cast<byte, ushort>(dst);
                for (int i = 0; i < src.Length; i++) bf[i] = FloatConvert.FloatToBF16(src[i]);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported output type");
        }
    }
}
