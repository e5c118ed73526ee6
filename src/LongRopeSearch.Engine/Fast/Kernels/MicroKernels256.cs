using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LongRopeSearch.Engine.Fast.Kernels;

// Fully unrolled on purpose: the JIT keeps named Vector locals in registers, arrays of vectors it would not.

/// <summary>
/// AVX2+FMA micro-kernels (16 ymm registers): a 6×16 tile keeps 12 accumulators + 2 B vectors + 1 broadcast.
/// Same summation order per element as the other levels' kernels: one FMA chain over p ascending.
/// </summary>
internal static unsafe class MicroKernels256
{
    /// <summary>C[6×16] (+)= A[6×kc] · B[kc×16].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile6x16(float* a, nint lda, float* b, nint ldb, float* c, nint ldc, int kc, bool accumulate)
    {
        Vector256<float> c00, c01, c10, c11, c20, c21, c30, c31, c40, c41, c50, c51;
        if (accumulate)
        {
            c00 = Vector256.Load(c + 0 * ldc + 0); c01 = Vector256.Load(c + 0 * ldc + 8);
            c10 = Vector256.Load(c + 1 * ldc + 0); c11 = Vector256.Load(c + 1 * ldc + 8);
            c20 = Vector256.Load(c + 2 * ldc + 0); c21 = Vector256.Load(c + 2 * ldc + 8);
            c30 = Vector256.Load(c + 3 * ldc + 0); c31 = Vector256.Load(c + 3 * ldc + 8);
            c40 = Vector256.Load(c + 4 * ldc + 0); c41 = Vector256.Load(c + 4 * ldc + 8);
            c50 = Vector256.Load(c + 5 * ldc + 0); c51 = Vector256.Load(c + 5 * ldc + 8);
        }
        else
        {
            c00 = Vector256<float>.Zero; c01 = Vector256<float>.Zero;
            c10 = Vector256<float>.Zero; c11 = Vector256<float>.Zero;
            c20 = Vector256<float>.Zero; c21 = Vector256<float>.Zero;
            c30 = Vector256<float>.Zero; c31 = Vector256<float>.Zero;
            c40 = Vector256<float>.Zero; c41 = Vector256<float>.Zero;
            c50 = Vector256<float>.Zero; c51 = Vector256<float>.Zero;
        }
        float* a1 = a + 1 * lda;
        float* a2 = a + 2 * lda;
        float* a3 = a + 3 * lda;
        float* a4 = a + 4 * lda;
        float* a5 = a + 5 * lda;
        for (int p = 0; p < kc; p++, b += ldb)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 8);
            var x0 = Vector256.Create(a[p]);
            c00 = Vector256.FusedMultiplyAdd(x0, b0, c00); c01 = Vector256.FusedMultiplyAdd(x0, b1, c01);
            var x1 = Vector256.Create(a1[p]);
            c10 = Vector256.FusedMultiplyAdd(x1, b0, c10); c11 = Vector256.FusedMultiplyAdd(x1, b1, c11);
            var x2 = Vector256.Create(a2[p]);
            c20 = Vector256.FusedMultiplyAdd(x2, b0, c20); c21 = Vector256.FusedMultiplyAdd(x2, b1, c21);
            var x3 = Vector256.Create(a3[p]);
            c30 = Vector256.FusedMultiplyAdd(x3, b0, c30); c31 = Vector256.FusedMultiplyAdd(x3, b1, c31);
            var x4 = Vector256.Create(a4[p]);
            c40 = Vector256.FusedMultiplyAdd(x4, b0, c40); c41 = Vector256.FusedMultiplyAdd(x4, b1, c41);
            var x5 = Vector256.Create(a5[p]);
            c50 = Vector256.FusedMultiplyAdd(x5, b0, c50); c51 = Vector256.FusedMultiplyAdd(x5, b1, c51);
        }
        Vector256.Store(c00, c + 0 * ldc + 0); Vector256.Store(c01, c + 0 * ldc + 8);
        Vector256.Store(c10, c + 1 * ldc + 0); Vector256.Store(c11, c + 1 * ldc + 8);
        Vector256.Store(c20, c + 2 * ldc + 0); Vector256.Store(c21, c + 2 * ldc + 8);
        Vector256.Store(c30, c + 3 * ldc + 0); Vector256.Store(c31, c + 3 * ldc + 8);
        Vector256.Store(c40, c + 4 * ldc + 0); Vector256.Store(c41, c + 4 * ldc + 8);
        Vector256.Store(c50, c + 5 * ldc + 0); Vector256.Store(c51, c + 5 * ldc + 8);
    }

    /// <summary>C[1×16] (+)= A[1×kc] · B[kc×16].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile1x16(float* a, nint lda, float* b, nint ldb, float* c, nint ldc, int kc, bool accumulate)
    {
        Vector256<float> c00, c01;
        if (accumulate)
        {
            c00 = Vector256.Load(c + 0 * ldc + 0); c01 = Vector256.Load(c + 0 * ldc + 8);
        }
        else
        {
            c00 = Vector256<float>.Zero; c01 = Vector256<float>.Zero;
        }
        for (int p = 0; p < kc; p++, b += ldb)
        {
            var b0 = Vector256.Load(b + 0);
            var b1 = Vector256.Load(b + 8);
            var x0 = Vector256.Create(a[p]);
            c00 = Vector256.FusedMultiplyAdd(x0, b0, c00); c01 = Vector256.FusedMultiplyAdd(x0, b1, c01);
        }
        Vector256.Store(c00, c + 0 * ldc + 0); Vector256.Store(c01, c + 0 * ldc + 8);
    }
}
