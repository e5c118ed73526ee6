using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Gguf;

/// <summary>One tensor's entry in a GGUF file's info section.</summary>
/// <param name="Dims">ne[0], ne[1], ... (ggml order).</param>
/// <param name="DataOffset">Absolute byte offset of the tensor's data in the file.</param>
public sealed record GgufTensorInfo(string Name, long[] Dims, GgufTensorType Type, long DataOffset)
{
    public long ElementCount => Dims.Aggregate(1L, (a, d) => a * d);
    public long ByteLength => ElementCount * GgufTensorTypeInfo.ElementSize(Type);
}

/// <summary>
/// A GGUF file's header, metadata and tensor infos (the data stays on disk: <see cref="ReadTensor"/> reads one
/// tensor). Reads what <see cref="GgufWriter"/> writes (v3; v2 has the same layout) with F32/F16/BF16 tensors, and
/// refuses anything else with an <see cref="InputException"/> naming the file and the field.
/// </summary>
public sealed class GgufFile
{
    private GgufFile(string path, uint version, GgufMetadata metadata, IReadOnlyList<GgufTensorInfo> tensors, long dataStart)
    {
        Path = path;
        Version = version;
        Metadata = metadata;
        Tensors = tensors;
        DataStart = dataStart;
    }

    public string Path { get; }
    public uint Version { get; }
    public GgufMetadata Metadata { get; }
    public IReadOnlyList<GgufTensorInfo> Tensors { get; }

    /// <summary>Absolute offset of the (aligned) tensor data section.</summary>
    public long DataStart { get; }

    public GgufTensorInfo Tensor(string name) =>
        Tensors.FirstOrDefault(t => t.Name == name) ?? throw new InputException(Path, $"tensor {name}", "a tensor of that name", "none");

    public static GgufFile Open(string path)
    {
        using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        var r = new Input(fs, path);
        Span<byte> magic = stackalloc byte[4];
        r.Exact(magic);
        if (!magic.SequenceEqual(GgufFormat.Magic)) throw new InputException(path, "magic", "\"GGUF\"", Convert.ToHexString(magic));
        uint version = r.U32();
        if (version is not (2 or 3)) throw new InputException(path, "version", "2 or 3", version.ToString(CultureInfo.InvariantCulture));
        ulong tensorCount = r.U64();
        ulong kvCount = r.U64();
        if (tensorCount > 1_000_000 || kvCount > 1_000_000)
            throw new InputException(path, "header", "plausible tensor and metadata counts", $"{tensorCount} tensors, {kvCount} key/values");

        var metadata = new GgufMetadata();
        for (ulong i = 0; i < kvCount; i++)
        {
            var key = r.String("metadata key");
            var type = (GgufValueType)r.U32();
            metadata.Set(key, ReadValue(r, type, key));
        }

        var infos = new List<(string Name, long[] Dims, GgufTensorType Type, long Offset)>();
        for (ulong i = 0; i < tensorCount; i++)
        {
            var name = r.String("tensor name");
            uint nDims = r.U32();
            if (nDims is 0 or > GgufTensorEntry.MaxDims) throw new InputException(path, $"tensor {name}", $"1 to {GgufTensorEntry.MaxDims} dimensions", nDims.ToString(CultureInfo.InvariantCulture));
            var dims = new long[nDims]; // ne[0..n)
            for (int d = 0; d < nDims; d++) dims[d] = checked((long)r.U64());
            uint type = r.U32();
            if (!GgufTensorTypeInfo.IsKnown(type)) throw new InputException(path, $"tensor {name}", "type F32, F16 or BF16", $"ggml type {type}");
            infos.Add((name, dims, (GgufTensorType)type, checked((long)r.U64())));
        }

        int alignment = metadata.Alignment;
        long dataStart = GgufFormat.Align(fs.Position, alignment);
        var tensors = new List<GgufTensorInfo>(infos.Count);
        foreach (var (name, dims, type, offset) in infos)
        {
            if (offset % alignment != 0) throw new InputException(path, $"tensor {name}", $"a data offset aligned to {alignment}", offset.ToString(CultureInfo.InvariantCulture));
            var info = new GgufTensorInfo(name, dims, type, dataStart + offset);
            if (info.DataOffset + info.ByteLength > fs.Length)
                throw new InputException(path, $"tensor {name}", "data inside the file", $"data ends at {info.DataOffset + info.ByteLength}, file has {fs.Length} bytes");
            tensors.Add(info);
        }
        return new GgufFile(path, version, metadata, tensors, dataStart);
    }

    /// <summary>The raw bytes of one tensor (tests and small tensors; a model's weights are streamed, not read whole).</summary>
    public byte[] ReadTensor(GgufTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        using var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read);
        fs.Position = tensor.DataOffset;
        var bytes = new byte[tensor.ByteLength];
        fs.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>One tensor's elements widened to float32 (exact for F16 and BF16).</summary>
    public float[] ReadTensorFloats(GgufTensorInfo tensor)
    {
        var bytes = ReadTensor(tensor);
        var values = new float[tensor.ElementCount]; // [elements], ggml order
        for (long i = 0; i < values.Length; i++)
        {
            values[i] = tensor.Type switch
            {
                GgufTensorType.F32 => BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)(i * 4))),
                GgufTensorType.F16 => (float)BinaryPrimitives.ReadHalfLittleEndian(bytes.AsSpan((int)(i * 2))),
                _ => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan((int)(i * 2))) << 16),
            };
        }
        return values;
    }

    private static GgufValue ReadValue(Input r, GgufValueType type, string key)
    {
        if (type != GgufValueType.Array) return GgufValue.FromRead(type, ReadScalar(r, type, key));
        var elementType = (GgufValueType)r.U32();
        if (elementType == GgufValueType.Array) throw new InputException(r.Path, key, "an array of scalars or strings", "a nested array");
        ulong n = r.U64();
        if (n > int.MaxValue) throw new InputException(r.Path, key, "an array of at most 2^31 elements", n.ToString(CultureInfo.InvariantCulture));
        var array = Array.CreateInstance(ScalarClrType(elementType, r.Path, key), (int)n);
        for (int i = 0; i < (int)n; i++) array.SetValue(ReadScalar(r, elementType, key), i);
        return GgufValue.FromRead(GgufValueType.Array, array, elementType);
    }

    private static Type ScalarClrType(GgufValueType t, string path, string key) => t switch
    {
        GgufValueType.UInt8 => typeof(byte),
        GgufValueType.Int8 => typeof(sbyte),
        GgufValueType.UInt16 => typeof(ushort),
        GgufValueType.Int16 => typeof(short),
        GgufValueType.UInt32 => typeof(uint),
        GgufValueType.Int32 => typeof(int),
        GgufValueType.Float32 => typeof(float),
        GgufValueType.Bool => typeof(bool),
        GgufValueType.String => typeof(string),
        GgufValueType.UInt64 => typeof(ulong),
        GgufValueType.Int64 => typeof(long),
        GgufValueType.Float64 => typeof(double),
        _ => throw new InputException(path, key, "a GGUF value type 0..12", ((uint)t).ToString(CultureInfo.InvariantCulture)),
    };

    private static object ReadScalar(Input r, GgufValueType type, string key) => type switch
    {
        GgufValueType.UInt8 => r.Byte(),
        GgufValueType.Int8 => unchecked((sbyte)r.Byte()),
        GgufValueType.UInt16 => r.U16(),
        GgufValueType.Int16 => unchecked((short)r.U16()),
        GgufValueType.UInt32 => r.U32(),
        GgufValueType.Int32 => unchecked((int)r.U32()),
        GgufValueType.Float32 => BitConverter.UInt32BitsToSingle(r.U32()),
        GgufValueType.Bool => r.Byte() switch
        {
            0 => false,
            1 => true,
            var b => throw new InputException(r.Path, key, "a bool byte 0 or 1", b.ToString(CultureInfo.InvariantCulture)),
        },
        GgufValueType.String => r.String(key),
        GgufValueType.UInt64 => r.U64(),
        GgufValueType.Int64 => unchecked((long)r.U64()),
        GgufValueType.Float64 => BitConverter.UInt64BitsToDouble(r.U64()),
        _ => throw new InputException(r.Path, key, "a GGUF value type 0..12", ((uint)type).ToString(CultureInfo.InvariantCulture)),
    };

    private sealed class Input(Stream s, string path)
    {
        private readonly byte[] _buf = new byte[8];

        public string Path => path;

        public void Exact(Span<byte> dst)
        {
            try { s.ReadExactly(dst); }
            catch (EndOfStreamException e) { throw new InputException(path, "", "a complete GGUF header", $"end of file at byte {s.Position}", e); }
        }

        public byte Byte()
        {
            Exact(_buf.AsSpan(0, 1));
            return _buf[0];
        }

        public ushort U16()
        {
            Exact(_buf.AsSpan(0, 2));
            return BinaryPrimitives.ReadUInt16LittleEndian(_buf);
        }

        public uint U32()
        {
            Exact(_buf.AsSpan(0, 4));
            return BinaryPrimitives.ReadUInt32LittleEndian(_buf);
        }

        public ulong U64()
        {
            Exact(_buf.AsSpan(0, 8));
            return BinaryPrimitives.ReadUInt64LittleEndian(_buf);
        }

        public string String(string what)
        {
            ulong n = U64();
            if (n > (1 << 24) || (long)n > s.Length - s.Position)
                throw new InputException(path, what, "a string that fits in the file", $"length {n} at byte {s.Position - 8}");
            var bytes = new byte[n];
            Exact(bytes);
            return Encoding.UTF8.GetString(bytes);
        }
    }
}
