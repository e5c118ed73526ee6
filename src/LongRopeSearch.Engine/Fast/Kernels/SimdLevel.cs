using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// Which vector width the fast kernels use. It changes only the speed, never a bit of the results: every kernel maps
/// elements to operations the same way at every level (<see cref="LaneOrder"/>). Chosen once at start-up; tests
/// force each level to prove that.
/// </summary>
public enum SimdLevel
{
    /// <summary>Plain scalar loops (any CPU); still the 16-lane order and MathF.FusedMultiplyAdd where the vectors fuse.</summary>
    Scalar,

    /// <summary>256-bit vectors with fused multiply-add (AVX2 + FMA); 16 lanes as two Vector256.</summary>
    Vector256,

    /// <summary>512-bit vectors (AVX-512); 16 lanes as one Vector512.</summary>
    Vector512,
}

public static class SimdLevels
{
    /// <summary>
    /// The widest level this process can run with hardware acceleration. Any level runs anywhere (.NET emulates wider
    /// vectors lane by lane with the same IEEE operations), only slowly: tests use that to compare all three levels on
    /// one machine.
    /// </summary>
    public static SimdLevel Best { get; } = Detect();

    private static SimdLevel Detect()
    {
        // FMA is required by the vector micro-kernels: without it Vector*.FusedMultiplyAdd is emulated and slow.
        bool fma = Fma.IsSupported;
        if (Vector512.IsHardwareAccelerated && fma) return SimdLevel.Vector512;
        if (Vector256.IsHardwareAccelerated && fma) return SimdLevel.Vector256;
        return SimdLevel.Scalar;
    }
}
