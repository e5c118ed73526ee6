using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LongRopeSearch.Engine.Kernels;

/// <summary>Which vector width the fast kernels use. Chosen once at start-up; tests may force any level.</summary>
public enum SimdLevel
{
    /// <summary>Plain scalar loops (any CPU).</summary>
    Scalar,

    /// <summary>256-bit vectors with fused multiply-add (AVX2 + FMA).</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512).</summary>
    Vector512,
}

public static class SimdLevels
{
    /// <summary>The widest level this process can run with hardware acceleration.</summary>
    public static SimdLevel Best { get; } = Detect();

    /// <summary>True when <paramref name="level"/> runs natively here (a test may only force a supported level).</summary>
    public static bool IsSupported(SimdLevel level) => level <= Best;

    private static SimdLevel Detect()
    {
        // FMA is required by the vector micro-kernels: without it Vector*.FusedMultiplyAdd is emulated and slow.
        bool fma = Fma.IsSupported;
        if (Vector512.IsHardwareAccelerated && fma) return SimdLevel.Vector512;
        if (Vector256.IsHardwareAccelerated && fma) return SimdLevel.Vector256;
        return SimdLevel.Scalar;
    }
}
