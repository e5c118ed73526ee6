using System.Buffers.Binary;
using System.Diagnostics;
using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Gguf;

/// <summary>
/// A tensor to write: its name, its dimensions in ggml order (ne[0] first: the fastest-varying one, PyTorch's last),
/// its element type and a callback that writes exactly <see cref="ByteLength"/> bytes of data, row-major.
/// The callback streams from wherever the data lives (a memory-mapped safetensors file), so a model is never held
/// in memory.
/// </summary>
public sealed class GgufTensorEntry
{
    /// <summary>ggml's GGML_MAX_NAME is 64 bytes including the terminating zero.</summary>
    public const int MaxNameBytes = 63;

    /// <summary>ggml's GGML_MAX_DIMS.</summary>
    public const int MaxDims = 4;

    public GgufTensorEntry(string name, IReadOnlyList<long> dims, GgufTensorType type, Action<Stream> writeData)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(dims);
        ArgumentNullException.ThrowIfNull(writeData);
        if (Encoding.UTF8.GetByteCount(name) > MaxNameBytes)
            throw new ArgumentException($"tensor name '{name}' is longer than {MaxNameBytes} bytes (ggml's limit)", nameof(name));
        if (dims.Count is 0 or > MaxDims)
            throw new ArgumentException($"tensor {name}: 1 to {MaxDims} dimensions expected, {dims.Count} given", nameof(dims));
        long n = 1;
        foreach (var d in dims)
        {
            if (d <= 0) throw new ArgumentException($"tensor {name}: dimensions must be positive", nameof(dims));
            n = checked(n * d);
        }
        Name = name;
        Dims = dims.ToArray();
        Type = type;
        ElementCount = n;
        ByteLength = checked(n * GgufTensorTypeInfo.ElementSize(type));
        WriteData = writeData;
    }

    public string Name { get; }

    /// <summary>ne[0], ne[1], ...: a PyTorch [out, in] matrix is [in, out] here.</summary>
    public IReadOnlyList<long> Dims { get; }
    public GgufTensorType Type { get; }
    public long ElementCount { get; }
    public long ByteLength { get; }
    public Action<Stream> WriteData { get; }
}

/// <summary>Progress of a GGUF write: tensor data bytes written so far out of the total.</summary>
public sealed record GgufWriteProgress(long BytesDone, long BytesTotal, int TensorsDone, int TensorsTotal, TimeSpan Elapsed)
{
    /// <summary>Bytes per second so far (0 before the first second has any data).</summary>
    public double Rate => Elapsed.TotalSeconds > 0 ? BytesDone / Elapsed.TotalSeconds : 0;

    /// <summary>Estimated time left at the current rate, null while unknown.</summary>
    public TimeSpan? Eta => Rate > 0 ? TimeSpan.FromSeconds((BytesTotal - BytesDone) / Rate) : null;
}

/// <summary>
/// Writes a GGUF v3 file: header, metadata key/values, tensor infos, then the tensor data, each tensor starting at a
/// multiple of the alignment (general.alignment, default 32) from the start of the data section, which is itself
/// aligned. The file is written atomically (<see cref="AtomicFile"/>): a reader never sees a half-written GGUF and a
/// failed write leaves any previous file intact.
/// </summary>
public static class GgufWriter
{
    public static void Write(string path, GgufMetadata metadata, IReadOnlyList<GgufTensorEntry> tensors,
        IProgress<GgufWriteProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(tensors);
        Validate(metadata, tensors);
        AtomicFile.Write(path, s => WriteTo(s, metadata, tensors, progress, ct));
    }

    /// <summary>Writes the whole file to <paramref name="stream"/> (positioned at 0); <see cref="Write"/> wraps it atomically.</summary>
    public static void WriteTo(Stream stream, GgufMetadata metadata, IReadOnlyList<GgufTensorEntry> tensors,
        IProgress<GgufWriteProgress>? progress = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(tensors);
        Validate(metadata, tensors);
        int alignment = metadata.Alignment;
        var o = new Output(stream);

        o.Bytes(GgufFormat.Magic);
        o.U32(GgufFormat.Version);
        o.U64((ulong)tensors.Count);
        o.U64((ulong)metadata.Count);
        foreach (var (key, value) in metadata.Entries)
        {
            o.String(key);
            o.U32((uint)value.Type);
            WriteValue(o, value);
        }

        // Offsets are relative to the start of the data section; each tensor starts aligned.
        var offsets = new long[tensors.Count]; // [tensors]
        long next = 0;
        for (int i = 0; i < tensors.Count; i++)
        {
            offsets[i] = next;
            next = GgufFormat.Align(next + tensors[i].ByteLength, alignment);
        }
        for (int i = 0; i < tensors.Count; i++)
        {
            var t = tensors[i];
            o.String(t.Name);
            o.U32((uint)t.Dims.Count);
            foreach (var d in t.Dims) o.U64((ulong)d);
            o.U32((uint)t.Type);
            o.U64((ulong)offsets[i]);
        }
        o.PadTo(alignment);

        long dataStart = o.Position;
        long total = tensors.Sum(t => t.ByteLength);
        long done = 0;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < tensors.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var t = tensors[i];
            long start = o.Position;
            if (start - dataStart != offsets[i]) throw new InvalidOperationException($"GGUF writer: tensor {t.Name} at data offset {start - dataStart}, its info says {offsets[i]}");
            t.WriteData(stream);
            long written = stream.Position - start;
            if (written != t.ByteLength)
                throw new InvalidOperationException($"GGUF writer: tensor {t.Name} wrote {written} bytes, {t.ByteLength} expected for {t.Type}[{string.Join(", ", t.Dims)}]");
            o.PadTo(alignment);
            done += t.ByteLength;
            progress?.Report(new GgufWriteProgress(done, total, i + 1, tensors.Count, clock.Elapsed));
        }
    }

    private static void Validate(GgufMetadata metadata, IReadOnlyList<GgufTensorEntry> tensors)
    {
        if (metadata.TryGet(GgufFormat.AlignmentKey, out var a))
        {
            if (a.Type != GgufValueType.UInt32 || (uint)a.Value == 0 || ((uint)a.Value & ((uint)a.Value - 1)) != 0)
                throw new ArgumentException($"{GgufFormat.AlignmentKey} must be a u32 power of two, found {a.Type} {a}", nameof(metadata));
        }
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var t in tensors)
        {
            if (!names.Add(t.Name)) throw new ArgumentException($"tensor {t.Name} appears twice", nameof(tensors));
        }
    }

    private static void WriteValue(Output o, GgufValue value)
    {
        switch (value.Type)
        {
            case GgufValueType.Array:
                o.U32((uint)value.ElementType);
                var array = (Array)value.Value;
                o.U64((ulong)array.Length);
                foreach (var item in array) WriteScalar(o, value.ElementType, item!);
                break;
            default:
                WriteScalar(o, value.Type, value.Value);
                break;
        }
    }

    private static void WriteScalar(Output o, GgufValueType type, object v)
    {
        switch (type)
        {
            case GgufValueType.UInt8: o.Byte((byte)v); break;
            case GgufValueType.Int8: o.Byte(unchecked((byte)(sbyte)v)); break;
            case GgufValueType.UInt16: o.U16((ushort)v); break;
            case GgufValueType.Int16: o.U16(unchecked((ushort)(short)v)); break;
            case GgufValueType.UInt32: o.U32((uint)v); break;
            case GgufValueType.Int32: o.U32(unchecked((uint)(int)v)); break;
            case GgufValueType.Float32: o.U32(BitConverter.SingleToUInt32Bits((float)v)); break;
            case GgufValueType.Bool: o.Byte((bool)v ? (byte)1 : (byte)0); break;
            case GgufValueType.String: o.String((string)v); break;
            case GgufValueType.UInt64: o.U64((ulong)v); break;
            case GgufValueType.Int64: o.U64(unchecked((ulong)(long)v)); break;
            case GgufValueType.Float64: o.U64(BitConverter.DoubleToUInt64Bits((double)v)); break;
            default: throw new ArgumentOutOfRangeException(nameof(type), type, "nested arrays are not written");
        }
    }

    /// <summary>Little-endian primitives onto the stream, tracking the position.</summary>
    private sealed class Output(Stream s)
    {
        private readonly byte[] _buf = new byte[8];

        public long Position => s.Position;

        public void Bytes(ReadOnlySpan<byte> b) => s.Write(b);

        public void Byte(byte b) => s.WriteByte(b);

        public void U16(ushort v)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(_buf, v);
            s.Write(_buf, 0, 2);
        }

        public void U32(uint v)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buf, v);
            s.Write(_buf, 0, 4);
        }

        public void U64(ulong v)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(_buf, v);
            s.Write(_buf, 0, 8);
        }

        public void String(string v)
        {
            var bytes = Encoding.UTF8.GetBytes(v);
            U64((ulong)bytes.Length);
            s.Write(bytes);
        }

        public void PadTo(int alignment)
        {
            long pad = GgufFormat.Align(s.Position, alignment) - s.Position;
            for (long i = 0; i < pad; i++) s.WriteByte(0);
        }
    }
}
