using System.Buffers.Binary;
using System.Text.Json;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>A tensor to write: its stored bytes (little-endian, row-major) in <paramref name="DType"/>.</summary>
public sealed record SafetensorsTensor(string Name, DType DType, int[] Shape, ReadOnlyMemory<byte> Data)
{
    /// <summary>Converts float32 values to <paramref name="dtype"/> with round-to-nearest-even and wraps them.</summary>
    public static SafetensorsTensor FromFloats(string name, int[] shape, ReadOnlySpan<float> values, DType dtype = DType.F32)
    {
        var t = Tensor.FromFloats(name, shape, values, dtype);
        return FromTensor(t);
    }

    /// <summary>Copies the stored bytes of <paramref name="tensor"/> (no conversion).</summary>
    public static unsafe SafetensorsTensor FromTensor(Tensor tensor) =>
        new(tensor.Name, tensor.DType, (int[])tensor.Shape.Clone(), new ReadOnlySpan<byte>(tensor.Data, checked((int)tensor.ByteLength)).ToArray());
}

/// <summary>
/// Writes the standard safetensors layout: u64 header length, JSON header padded with spaces to a multiple of 8
/// (so the data region, and every F32 tensor whose offset is a multiple of 4, is aligned), then the tensors back to
/// back in the given order. Goes through <see cref="AtomicFile"/>, so readers never see a partial file.
/// </summary>
public static class SafetensorsWriter
{
    public static void Write(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var list = tensors.ToList();
        var header = EncodeHeader(list, metadata);
        AtomicFile.Write(path, s =>
        {
            Span<byte> prefix = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            s.Write(prefix);
            s.Write(header);
            foreach (var t in list) s.Write(t.Data.Span);
        });
    }

    /// <summary>The padded header JSON for <paramref name="tensors"/> laid out in order; validates names and sizes.</summary>
    public static byte[] EncodeHeader(IReadOnlyList<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata) json.WriteString(k, v);
                json.WriteEndObject();
            }
            long offset = 0;
            foreach (var t in tensors)
            {
                if (t.Name == "__metadata__" || !names.Add(t.Name))
                    throw new ArgumentException($"tensor name {t.Name} is reserved or repeated", nameof(tensors));
                long expected = t.Shape.Aggregate(1L, (n, d) => d >= 0 ? n * d : throw new ArgumentException($"tensor {t.Name}: negative dimension", nameof(tensors)))
                    * DTypeInfo.Size(t.DType);
                if (t.Data.Length != expected)
                    throw new ArgumentException($"tensor {t.Name}: shape [{string.Join(", ", t.Shape)}] {t.DType} needs {expected} bytes, {t.Data.Length} given", nameof(tensors));
                json.WriteStartObject(t.Name);
                json.WriteString("dtype", DTypeInfo.SafetensorsName(t.DType));
                json.WriteStartArray("shape");
                foreach (var d in t.Shape) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + t.Data.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += t.Data.Length;
            }
            json.WriteEndObject();
        }
        int pad = (int)((8 - buffer.Length % 8) % 8);
        for (int i = 0; i < pad; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }
}
