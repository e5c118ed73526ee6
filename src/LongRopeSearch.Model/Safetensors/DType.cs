namespace LongRopeSearch.Model;

/// <summary>Element types a model tensor may be stored in (safetensors names F32, F16, BF16; little-endian).</summary>
public enum DType
{
    F32,
    F16,
    BF16,
}

public static class DTypeInfo
{
    public static int Size(DType t) => t == DType.F32 ? 4 : 2;

    public static string SafetensorsName(DType t) => t switch
    {
        DType.F32 => "F32",
        DType.F16 => "F16",
        DType.BF16 => "BF16",
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };
}
