using System.Numerics.Tensors;

namespace LongRopeSearch.Model;

/// <summary>Exact conversions between the stored 16-bit formats and float32.</summary>
public static class FloatConvert
{
    /// <summary>bfloat16 is the top half of a float32: widening is a 16-bit shift, exact.</summary>
    public static float BF16ToFloat(ushort b) => BitConverter.Int32BitsToSingle(b << 16);

    public static void BF16ToFloat(ReadOnlySpan<ushort> src, Span<float> dst)
    {
        for (int i = 0; i < src.Length; i++) dst[i] = BitConverter.Int32BitsToSingle(src[i] << 16);
    }

    /// <summary>float32 → bfloat16 with round-to-nearest-even (NaN kept quiet), as PyTorch does.</summary>
    public static ushort FloatToBF16(float f)
    {
        uint bits = BitConverter.SingleToUInt32Bits(f);
        if (float.IsNaN(f)) return (ushort)((bits >> 16) | 0x40);
        uint rounding = 0x7FFF + ((bits >> 16) & 1);
        return (ushort)((bits + rounding) >> 16);
    }

    public static void HalfToFloat(ReadOnlySpan<Half> src, Span<float> dst) => TensorPrimitives.ConvertToSingle(src, dst);
}
