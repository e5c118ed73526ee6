using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace LongRopeSearch.Engine.Fast.Kernels;

// Fully unrolled on purpose: the JIT keeps named Vector locals in registers, arrays of vectors it would not.

/// <summary>
/// AVX-512 register-blocked micro-kernels for C (+)= A·B with B row-major [kc, cols] (a packed weight panel or a
/// transposed key tile) and A read by broadcast. Each output element is one chain of fused multiply-adds over p in
/// ascending order, the same in every tile shape, so results never depend on where a row or column falls.
/// The 6×64 tile holds 24 accumulators + 4 B vectors + 1 broadcast in the 32 zmm registers.
/// </summary>
internal static unsafe class MicroKernels512
{
    /// <summary>C[6×64] (+)= A[6×kc] · B[kc×64].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile6x64(float* a, nint lda, float* b, nint ldb, float* c, nint ldc, int kc, bool accumulate)
    {
        Vector512<float> c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33, c40, c41, c42, c43, c50, c51, c52, c53;
        if (accumulate)
        {
            c00 = Vector512.Load(c + 0 * ldc + 0); c01 = Vector512.Load(c + 0 * ldc + 16); c02 = Vector512.Load(c + 0 * ldc + 32); c03 = Vector512.Load(c + 0 * ldc + 48);
            c10 = Vector512.Load(c + 1 * ldc + 0); c11 = Vector512.Load(c + 1 * ldc + 16); c12 = Vector512.Load(c + 1 * ldc + 32); c13 = Vector512.Load(c + 1 * ldc + 48);
            c20 = Vector512.Load(c + 2 * ldc + 0); c21 = Vector512.Load(c + 2 * ldc + 16); c22 = Vector512.Load(c + 2 * ldc + 32); c23 = Vector512.Load(c + 2 * ldc + 48);
            c30 = Vector512.Load(c + 3 * ldc + 0); c31 = Vector512.Load(c + 3 * ldc + 16); c32 = Vector512.Load(c + 3 * ldc + 32); c33 = Vector512.Load(c + 3 * ldc + 48);
            c40 = Vector512.Load(c + 4 * ldc + 0); c41 = Vector512.Load(c + 4 * ldc + 16); c42 = Vector512.Load(c + 4 * ldc + 32); c43 = Vector512.Load(c + 4 * ldc + 48);
            c50 = Vector512.Load(c + 5 * ldc + 0); c51 = Vector512.Load(c + 5 * ldc + 16); c52 = Vector512.Load(c + 5 * ldc + 32); c53 = Vector512.Load(c + 5 * ldc + 48);
        }
        else
        {
            c00 = Vector512<float>.Zero; c01 = Vector512<float>.Zero; c02 = Vector512<float>.Zero; c03 = Vector512<float>.Zero;
            c10 = Vector512<float>.Zero; c11 = Vector512<float>.Zero; c12 = Vector512<float>.Zero; c13 = Vector512<float>.Zero;
            c20 = Vector512<float>.Zero; c21 = Vector512<float>.Zero; c22 = Vector512<float>.Zero; c23 = Vector512<float>.Zero;
            c30 = Vector512<float>.Zero; c31 = Vector512<float>.Zero; c32 = Vector512<float>.Zero; c33 = Vector512<float>.Zero;
            c40 = Vector512<float>.Zero; c41 = Vector512<float>.Zero; c42 = Vector512<float>.Zero; c43 = Vector512<float>.Zero;
            c50 = Vector512<float>.Zero; c51 = Vector512<float>.Zero; c52 = Vector512<float>.Zero; c53 = Vector512<float>.Zero;
        }
        float* a1 = a + 1 * lda;
        float* a2 = a + 2 * lda;
        float* a3 = a + 3 * lda;
        float* a4 = a + 4 * lda;
        float* a5 = a + 5 * lda;
        for (int p = 0; p < kc; p++, b += ldb)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            var b2 = Vector512.Load(b + 32);
            var b3 = Vector512.Load(b + 48);
            var x0 = Vector512.Create(a[p]);
            c00 = Vector512.FusedMultiplyAdd(x0, b0, c00); c01 = Vector512.FusedMultiplyAdd(x0, b1, c01); c02 = Vector512.FusedMultiplyAdd(x0, b2, c02); c03 = Vector512.FusedMultiplyAdd(x0, b3, c03);
            var x1 = Vector512.Create(a1[p]);
            c10 = Vector512.FusedMultiplyAdd(x1, b0, c10); c11 = Vector512.FusedMultiplyAdd(x1, b1, c11); c12 = Vector512.FusedMultiplyAdd(x1, b2, c12); c13 = Vector512.FusedMultiplyAdd(x1, b3, c13);
            var x2 = Vector512.Create(a2[p]);
            c20 = Vector512.FusedMultiplyAdd(x2, b0, c20); c21 = Vector512.FusedMultiplyAdd(x2, b1, c21); c22 = Vector512.FusedMultiplyAdd(x2, b2, c22); c23 = Vector512.FusedMultiplyAdd(x2, b3, c23);
            var x3 = Vector512.Create(a3[p]);
            c30 = Vector512.FusedMultiplyAdd(x3, b0, c30); c31 = Vector512.FusedMultiplyAdd(x3, b1, c31); c32 = Vector512.FusedMultiplyAdd(x3, b2, c32); c33 = Vector512.FusedMultiplyAdd(x3, b3, c33);
            var x4 = Vector512.Create(a4[p]);
            c40 = Vector512.FusedMultiplyAdd(x4, b0, c40); c41 = Vector512.FusedMultiplyAdd(x4, b1, c41); c42 = Vector512.FusedMultiplyAdd(x4, b2, c42); c43 = Vector512.FusedMultiplyAdd(x4, b3, c43);
            var x5 = Vector512.Create(a5[p]);
            c50 = Vector512.FusedMultiplyAdd(x5, b0, c50); c51 = Vector512.FusedMultiplyAdd(x5, b1, c51); c52 = Vector512.FusedMultiplyAdd(x5, b2, c52); c53 = Vector512.FusedMultiplyAdd(x5, b3, c53);
        }
        Vector512.Store(c00, c + 0 * ldc + 0); Vector512.Store(c01, c + 0 * ldc + 16); Vector512.Store(c02, c + 0 * ldc + 32); Vector512.Store(c03, c + 0 * ldc + 48);
        Vector512.Store(c10, c + 1 * ldc + 0); Vector512.Store(c11, c + 1 * ldc + 16); Vector512.Store(c12, c + 1 * ldc + 32); Vector512.Store(c13, c + 1 * ldc + 48);
        Vector512.Store(c20, c + 2 * ldc + 0); Vector512.Store(c21, c + 2 * ldc + 16); Vector512.Store(c22, c + 2 * ldc + 32); Vector512.Store(c23, c + 2 * ldc + 48);
        Vector512.Store(c30, c + 3 * ldc + 0); Vector512.Store(c31, c + 3 * ldc + 16); Vector512.Store(c32, c + 3 * ldc + 32); Vector512.Store(c33, c + 3 * ldc + 48);
        Vector512.Store(c40, c + 4 * ldc + 0); Vector512.Store(c41, c + 4 * ldc + 16); Vector512.Store(c42, c + 4 * ldc + 32); Vector512.Store(c43, c + 4 * ldc + 48);
        Vector512.Store(c50, c + 5 * ldc + 0); Vector512.Store(c51, c + 5 * ldc + 16); Vector512.Store(c52, c + 5 * ldc + 32); Vector512.Store(c53, c + 5 * ldc + 48);
    }

    /// <summary>C[1×64] (+)= A[1×kc] · B[kc×64].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile1x64(float* a, nint lda, float* b, nint ldb, float* c, nint ldc, int kc, bool accumulate)
    {
        Vector512<float> c00, c01, c02, c03;
        if (accumulate)
        {
            c00 = Vector512.Load(c + 0 * ldc + 0); c01 = Vector512.Load(c + 0 * ldc + 16); c02 = Vector512.Load(c + 0 * ldc + 32); c03 = Vector512.Load(c + 0 * ldc + 48);
        }
        else
        {
            c00 = Vector512<float>.Zero; c01 = Vector512<float>.Zero; c02 = Vector512<float>.Zero; c03 = Vector512<float>.Zero;
        }
        for (int p = 0; p < kc; p++, b += ldb)
        {
            var b0 = Vector512.Load(b + 0);
            var b1 = Vector512.Load(b + 16);
            var b2 = Vector512.Load(b + 32);
            var b3 = Vector512.Load(b + 48);
            var x0 = Vector512.Create(a[p]);
            c00 = Vector512.FusedMultiplyAdd(x0, b0, c00); c01 = Vector512.FusedMultiplyAdd(x0, b1, c01); c02 = Vector512.FusedMultiplyAdd(x0, b2, c02); c03 = Vector512.FusedMultiplyAdd(x0, b3, c03);
        }
        Vector512.Store(c00, c + 0 * ldc + 0); Vector512.Store(c01, c + 0 * ldc + 16); Vector512.Store(c02, c + 0 * ldc + 32); Vector512.Store(c03, c + 0 * ldc + 48);
    }

    /// <summary>C[6×16] (+)= A[6×kc] · B[kc×16].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile6x16(float* a, nint lda, float* b, nint ldb, float* c, nint ldc, int kc, bool accumulate)
    {
        Vector512<float> c00, c10, c20, c30, c40, c50;
        if (accumulate)
        {
            c00 = Vector512.Load(c + 0 * ldc + 0);
            c10 = Vector512.Load(c + 1 * ldc + 0);
            c20 = Vector512.Load(c + 2 * ldc + 0);
            c30 = Vector512.Load(c + 3 * ldc + 0);
            c40 = Vector512.Load(c + 4 * ldc + 0);
            c50 = Vector512.Load(c + 5 * ldc + 0);
        }
        else
        {
            c00 = Vector512<float>.Zero;
            c10 = Vector512<float>.Zero;
            c20 = Vector512<float>.Zero;
            c30 = Vector512<float>.Zero;
            c40 = Vector512<float>.Zero;
            c50 = Vector512<float>.Zero;
        }
        float* a1 = a + 1 * lda;
        float* a2 = a + 2 * lda;
        float* a3 = a + 3 * lda;
        float* a4 = a + 4 * lda;
        float* a5 = a + 5 * lda;
        for (int p = 0; p < kc; p++, b += ldb)
        {
            var b0 = Vector512.Load(b + 0);
            var x0 = Vector512.Create(a[p]);
            c00 = Vector512.FusedMultiplyAdd(x0, b0, c00);
            var x1 = Vector512.Create(a1[p]);
            c10 = Vector512.FusedMultiplyAdd(x1, b0, c10);
            var x2 = Vector512.Create(a2[p]);
            c20 = Vector512.FusedMultiplyAdd(x2, b0, c20);
            var x3 = Vector512.Create(a3[p]);
            c30 = Vector512.FusedMultiplyAdd(x3, b0, c30);
            var x4 = Vector512.Create(a4[p]);
            c40 = Vector512.FusedMultiplyAdd(x4, b0, c40);
            var x5 = Vector512.Create(a5[p]);
            c50 = Vector512.FusedMultiplyAdd(x5, b0, c50);
        }
        Vector512.Store(c00, c + 0 * ldc + 0);
        Vector512.Store(c10, c + 1 * ldc + 0);
        Vector512.Store(c20, c + 2 * ldc + 0);
        Vector512.Store(c30, c + 3 * ldc + 0);
        Vector512.Store(c40, c + 4 * ldc + 0);
        Vector512.Store(c50, c + 5 * ldc + 0);
    }

    /// <summary>C[1×16] (+)= A[1×kc] · B[kc×16].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Tile1x16(float* a, nint lda, float* b, nint ldb, float* c, nint ldc, int kc, bool accumulate)
    {
        Vector512<float> c00;
        if (accumulate)
        {
            c00 = Vector512.Load(c + 0 * ldc + 0);
        }
        else
        {
            c00 = Vector512<float>.Zero;
        }
        for (int p = 0; p < kc; p++, b += ldb)
        {
            var b0 = Vector512.Load(b + 0);
            var x0 = Vector512.Create(a[p]);
            c00 = Vector512.FusedMultiplyAdd(x0, b0, c00);
        }
        Vector512.Store(c00, c + 0 * ldc + 0);
    }
}
