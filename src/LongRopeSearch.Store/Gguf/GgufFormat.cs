namespace LongRopeSearch.Store.Gguf;

/// <summary>
/// Constants of the GGUF file format, version 3 (ggml docs/gguf.md). All integers little-endian; a string is a u64
/// byte count followed by UTF-8 bytes without terminator.
/// </summary>
public static class GgufFormat
{
    /// <summary>"GGUF" as the first four bytes of the file.</summary>
    public static ReadOnlySpan<byte> Magic => "GGUF"u8;

    public const uint Version = 3;

    /// <summary>Alignment of the tensor data section and of every tensor in it when general.alignment is absent.</summary>
    public const int DefaultAlignment = 32;

    /// <summary>The metadata key that overrides <see cref="DefaultAlignment"/> (a u32, a power of two).</summary>
    public const string AlignmentKey = "general.alignment";

    /// <summary>Rounds <paramref name="offset"/> up to a multiple of <paramref name="alignment"/>.</summary>
    public static long Align(long offset, int alignment) => (offset + alignment - 1) / alignment * alignment;
}

/// <summary>Type tags of metadata values (gguf_metadata_value_type).</summary>
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>The ggml tensor types this project writes (ggml_type numbering).</summary>
public enum GgufTensorType : uint
{
    F32 = 0,
    F16 = 1,
    BF16 = 30,
}

public static class GgufTensorTypeInfo
{
    public static int ElementSize(GgufTensorType type) => type switch
    {
        GgufTensorType.F32 => 4,
        GgufTensorType.F16 or GgufTensorType.BF16 => 2,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unsupported ggml tensor type"),
    };

    public static bool IsKnown(uint type) => type is (uint)GgufTensorType.F32 or (uint)GgufTensorType.F16 or (uint)GgufTensorType.BF16;
}
