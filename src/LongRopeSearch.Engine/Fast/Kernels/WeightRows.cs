using System.Runtime.CompilerServices;
using System.Numerics.Tensors;
using System.Runtime.Intrinsics;
using LongRopeSearch.Model;
using Tensor = LongRopeSearch.Model.Tensor;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// Reads stretches of a stored weight matrix [rows, cols] (F32, F16 or BF16) as float32. Every conversion is exact
/// (float16 and bfloat16 values are all float32 values), so no level can change a bit.
/// </summary>
internal static unsafe class WeightRows
{
    /// <summary>dst[0, count) = float32 of elements [start, start + count) of <paramref name="w"/>.</summary>
    public static void Convert(SimdLevel level, Tensor w, long start, int count, float* dst)
    {
        switch (w.DType)
        {
            case DType.F32:
                new ReadOnlySpan<float>((float*)w.Data + start, count).CopyTo(new Span<float>(dst, count));
                break;
            case DType.F16:
                TensorPrimitives.ConvertToSingle(new ReadOnlySpan<Half>((Half*)w.Data + start, count), new Span<float>(dst, count));
                break;
            case DType.BF16:
                Bf16ToFloat(level, (ushort*)w.Data + start, count, dst);
                break;
            default:
                throw new NotSupportedException($"dtype {w.DType}");
        }
    }

    /// <summary>bfloat16 is the upper half of a float32: widen to 32 bits and shift left 16 (exact).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Bf16ToFloat(SimdLevel level, ushort* src, int count, float* dst)
    {
        int i = 0;
        if (level != SimdLevel.Scalar)
        {
            for (; i + 16 <= count; i += 16)
            {
                var v = Vector256.Load(src + i);
                var lo = Vector256.ShiftLeft(Vector256.WidenLower(v), 16);
                var hi = Vector256.ShiftLeft(Vector256.WidenUpper(v), 16);
                Vector256.Store(lo.AsSingle(), dst + i);
                Vector256.Store(hi.AsSingle(), dst + i + 8);
            }
        }
        for (; i < count; i++) dst[i] = BitConverter.Int32BitsToSingle(src[i] << 16);
    }
}
