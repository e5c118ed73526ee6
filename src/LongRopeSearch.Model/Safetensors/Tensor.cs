using System.Runtime.InteropServices;

namespace LongRopeSearch.Model;

/// <summary>
/// A read-only view of one stored tensor: name, element type, shape and a pointer to its bytes
/// (inside a memory-mapped safetensors file, or a pinned array for tensors built in memory).
/// The pointer stays valid while the owning <see cref="ModelFolder"/> is alive.
/// Row-major, like PyTorch: a 2-D weight [out, in] has row r at element offset r·in.
/// </summary>
public sealed unsafe class Tensor
{
    private readonly object? _keepAlive; // pinned array or mapping the pointer points into

    public Tensor(string name, DType dtype, int[] shape, byte* data, object? keepAlive)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        long n = 1;
        foreach (var d in shape) n *= d;
        ElementCount = n;
        Data = data;
        _keepAlive = keepAlive;
    }

    public string Name { get; }
    public DType DType { get; }

    /// <summary>Dimensions, outermost first.</summary>
    public int[] Shape { get; }
    public long ElementCount { get; }
    public long ByteLength => ElementCount * DTypeInfo.Size(DType);

    /// <summary>First byte of the tensor's data.</summary>
    public byte* Data { get; }

    public int Rows => Shape.Length == 2 ? Shape[0] : throw new InvalidOperationException($"{Name} is not 2-D");
    public int Cols => Shape.Length == 2 ? Shape[1] : Shape.Length == 1 ? Shape[0] : throw new InvalidOperationException($"{Name} is not 1-D or 2-D");

    /// <summary>Builds a tensor in memory (tests, conversions), stored in <paramref name="dtype"/> with round-to-nearest-even.</summary>
    public static Tensor FromFloats(string name, int[] shape, ReadOnlySpan<float> values, DType dtype = DType.F32)
    {
        var size = DTypeInfo.Size(dtype);
        var bytes = GC.AllocateArray<byte>(values.Length * size, pinned: true);
        var t = new Tensor(name, dtype, shape, (byte*)Unsafe_AddressOf(bytes), bytes);
        if (t.ElementCount != values.Length) throw new ArgumentException($"shape holds {t.ElementCount} elements, {values.Length} given", nameof(values));
        switch (dtype)
        {
            case DType.F32: MemoryMarshal.AsBytes(values).CopyTo(bytes); break;
            case DType.F16: for (int i = 0; i < values.Length; i++) ((Half*)t.Data)[i] = (Half)values[i]; break;
            case DType.BF16: for (int i = 0; i < values.Length; i++) ((ushort*)t.Data)[i] = FloatConvert.FloatToBF16(values[i]); break;
        }
        return t;
    }

    private static nint Unsafe_AddressOf(byte[] pinned) => (nint)System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(pinned));

    /// <summary>
    /// Rows [<paramref name="start"/>, start + <paramref name="count"/>) of a 2-D tensor, or elements of a 1-D one, as a
    /// view of the same bytes: same dtype, Data advanced by start·cols·element size, no copy. The view keeps this
    /// tensor (and so its mapping) alive. Used to bind the parts of a fused model tensor (Phi-3's qkv_proj).
    /// </summary>
    public Tensor RowRange(int start, int count)
    {
        if (Shape.Length is not (1 or 2)) throw new InvalidOperationException($"{Name} is not 1-D or 2-D");
        int rows = Shape[0];
        if (start < 0 || count < 0 || start > rows - count)
            throw new ArgumentOutOfRangeException(nameof(start), $"rows [{start}, {start + count}) of {this}");
        int[] shape = Shape.Length == 2 ? [count, Shape[1]] : [count];
        long rowElements = Shape.Length == 2 ? Shape[1] : 1;
        return new Tensor($"{Name}[{start}:{start + count}]", DType, shape, Data + start * rowElements * DTypeInfo.Size(DType), this);
    }

    /// <summary>Converts elements [start, start + dst.Length) to float32.</summary>
    public void Read(long start, Span<float> dst)
    {
        if (start < 0 || start + dst.Length > ElementCount) throw new ArgumentOutOfRangeException(nameof(start));
        switch (DType)
        {
            case DType.F32: new ReadOnlySpan<float>((float*)Data + start, dst.Length).CopyTo(dst); break;
            case DType.F16: FloatConvert.HalfToFloat(new ReadOnlySpan<Half>((Half*)Data + start, dst.Length), dst); break;
            case DType.BF16: FloatConvert.BF16ToFloat(new ReadOnlySpan<ushort>((ushort*)Data + start, dst.Length), dst); break;
        }
    }

    /// <summary>Row <paramref name="row"/> of a 2-D tensor as float32.</summary>
    public void ReadRow(int row, Span<float> dst) => Read((long)row * Cols, dst[..Cols]);

    /// <summary>The whole tensor as a new float32 array (small tensors: norms, biases, tests).</summary>
    public float[] ToFloatArray()
    {
        var a = new float[ElementCount];
        Read(0, a);
        return a;
    }

    public override string ToString() => $"{Name} {DType}[{string.Join(", ", Shape)}]";
}
