using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LongRopeSearch.Engine.Fast.Kernels;

/// <summary>
/// A growable float buffer on the pinned object heap whose pointer is 64-byte aligned (one cache line, one
/// Vector512). Kernels keep these across calls so the hot loops never allocate. Not thread-safe: one owner at a time.
/// </summary>
public sealed unsafe class AlignedFloats
{
    private const int AlignFloats = 16; // 64 bytes
    private float[] _array = [];

    public AlignedFloats(long length = 0) => EnsureCapacity(length);

    /// <summary>First element, 64-byte aligned; valid until the next growth.</summary>
    public float* Pointer { get; private set; }

    public long Length { get; private set; }

    public long Bytes => (long)_array.Length * sizeof(float);

    /// <summary>Grows (never shrinks) to at least <paramref name="length"/> elements; contents are not kept.</summary>
    public float* EnsureCapacity(long length)
    {
        if (length <= Length && _array.Length != 0) return Pointer;
        if (length > Array.MaxLength - AlignFloats) throw new ArgumentOutOfRangeException(nameof(length), length, "buffer too large");
        _array = GC.AllocateUninitializedArray<float>((int)length + AlignFloats, pinned: true);
        var start = (nint)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(_array));
        var aligned = (start + 63) & ~(nint)63;
        Pointer = (float*)aligned;
        Length = length;
        return Pointer;
    }

    /// <summary>Releases the memory (the next EnsureCapacity allocates again).</summary>
    public void Release()
    {
        _array = [];
        Pointer = null;
        Length = 0;
    }

    public Span<float> AsSpan(long length) => new(Pointer, checked((int)length));
}
