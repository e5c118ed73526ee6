using System.Runtime.CompilerServices;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// Covers a C[rows × cols] block with the micro-kernels of one <see cref="SimdLevel"/>:
/// C (+)= A[rows × kc] · B[kc × cols], A row-major with stride lda, B row-major with stride ldb, C with stride ldc.
/// For vector levels cols must be a multiple of 16 (callers pad B and C); the scalar level takes any cols.
/// Every level computes each element as one chain over p ascending (fused on vector levels), so a row or column
/// gives the same bits whichever tile it lands in.
/// </summary>
internal static unsafe class MicroTiles
{
    public const int RowBlock = 6;
    public const int ColumnMultiple = 16;

    public static void Run(SimdLevel level, float* a, nint lda, float* b, nint ldb, float* c, nint ldc,
        int rows, int cols, int kc, bool accumulate)
    {
        switch (level)
        {
            case SimdLevel.Vector512: Run512(a, lda, b, ldb, c, ldc, rows, cols, kc, accumulate); break;
            case SimdLevel.Vector256: Run256(a, lda, b, ldb, c, ldc, rows, cols, kc, accumulate); break;
            default: RunScalar(a, lda, b, ldb, c, ldc, rows, cols, kc, accumulate); break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run512(float* a, nint lda, float* b, nint ldb, float* c, nint ldc, int rows, int cols, int kc, bool accumulate)
    {
        int j = 0;
        for (; j + 64 <= cols; j += 64)
        {
            int r = 0;
            for (; r + 6 <= rows; r += 6) MicroKernels512.Tile6x64(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kc, accumulate);
            for (; r < rows; r++) MicroKernels512.Tile1x64(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kc, accumulate);
        }
        for (; j < cols; j += 16)
        {
            int r = 0;
            for (; r + 6 <= rows; r += 6) MicroKernels512.Tile6x16(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kc, accumulate);
            for (; r < rows; r++) MicroKernels512.Tile1x16(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kc, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run256(float* a, nint lda, float* b, nint ldb, float* c, nint ldc, int rows, int cols, int kc, bool accumulate)
    {
        for (int j = 0; j < cols; j += 16)
        {
            int r = 0;
            for (; r + 6 <= rows; r += 6) MicroKernels256.Tile6x16(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kc, accumulate);
            for (; r < rows; r++) MicroKernels256.Tile1x16(a + r * lda, lda, b + j, ldb, c + r * ldc + j, ldc, kc, accumulate);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunScalar(float* a, nint lda, float* b, nint ldb, float* c, nint ldc, int rows, int cols, int kc, bool accumulate)
    {
        for (int r = 0; r < rows; r++)
        {
            float* ar = a + r * lda;
            float* cr = c + r * ldc;
            for (int j = 0; j < cols; j++)
            {
                float s = accumulate ? cr[j] : 0f;
                float* bj = b + j;
                for (int p = 0; p < kc; p++) s = MathF.FusedMultiplyAdd(ar[p], bj[p * ldb], s);
                cr[j] = s;
            }
        }
    }
}
