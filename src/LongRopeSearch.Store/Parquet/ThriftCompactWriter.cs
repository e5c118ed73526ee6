using System.Buffers;
using System.Text;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// Type codes of the Thrift compact protocol, as they appear in the low nibble of a field header and of a list header.
/// Booleans carried as struct fields have no value byte: the type code itself (true/false) is the value.
/// </summary>
internal enum CompactType : byte
{
    Stop = 0,
    BoolTrue = 1,
    BoolFalse = 2,
    Byte = 3,
    I16 = 4,
    I32 = 5,
    I64 = 6,
    Double = 7,
    Binary = 8,
    List = 9,
    Set = 10,
    Map = 11,
    Struct = 12,
}

/// <summary>
/// Encoder for the Thrift compact protocol (the encoding of every Parquet metadata structure: footer and page headers).
/// Field headers carry the delta from the previous field id of the same struct when it fits in 4 bits, so the writer
/// keeps one "last field id" per open struct. Callers must write fields of a struct in increasing id order,
/// as the generated Thrift code does (the delta form only exists for increasing ids).
/// </summary>
internal sealed class ThriftCompactWriter
{
    private readonly ArrayBufferWriter<byte> _out = new(256);
    private readonly Stack<short> _enclosingLastIds = new();
    private short _lastFieldId;

    /// <summary>The bytes written so far.</summary>
    public ReadOnlySpan<byte> Written => _out.WrittenSpan;

    public byte[] ToArray() => _out.WrittenSpan.ToArray();

    /// <summary>Opens a struct: the top-level one, a list element of struct type, or the value after <see cref="StructField"/>.</summary>
    public void BeginStruct()
    {
        _enclosingLastIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    /// <summary>Closes the innermost struct with the stop byte.</summary>
    public void EndStruct()
    {
        WriteByte((byte)CompactType.Stop);
        _lastFieldId = _enclosingLastIds.Pop();
    }

    public void I32Field(short id, int value)
    {
        FieldHeader(id, CompactType.I32);
        WriteVarint(ZigZag(value));
    }

    public void I64Field(short id, long value)
    {
        FieldHeader(id, CompactType.I64);
        WriteVarint(ZigZag(value));
    }

    public void I16Field(short id, short value)
    {
        FieldHeader(id, CompactType.I16);
        WriteVarint(ZigZag(value));
    }

    public void ByteField(short id, sbyte value)
    {
        FieldHeader(id, CompactType.Byte);
        WriteByte(unchecked((byte)value));
    }

    public void BoolField(short id, bool value) => FieldHeader(id, value ? CompactType.BoolTrue : CompactType.BoolFalse);

    public void BinaryField(short id, ReadOnlySpan<byte> value)
    {
        FieldHeader(id, CompactType.Binary);
        Binary(value);
    }

    public void StringField(short id, string value)
    {
        FieldHeader(id, CompactType.Binary);
        String(value);
    }

    /// <summary>Starts a struct-typed field; write its fields, then call <see cref="EndStruct"/>.</summary>
    public void StructField(short id)
    {
        FieldHeader(id, CompactType.Struct);
        BeginStruct();
    }

    /// <summary>Starts a list-typed field; then write exactly <paramref name="count"/> elements of <paramref name="elementType"/>.</summary>
    public void ListField(short id, CompactType elementType, int count)
    {
        FieldHeader(id, CompactType.List);
        ListHeader(elementType, count);
    }

    /// <summary>A list element (or any bare value) of type i32.</summary>
    public void I32(int value) => WriteVarint(ZigZag(value));

    public void I64(long value) => WriteVarint(ZigZag(value));

    public void String(string value)
    {
        var byteCount = Encoding.UTF8.GetByteCount(value);
        WriteVarint((ulong)byteCount);
        var span = _out.GetSpan(byteCount);
        Encoding.UTF8.GetBytes(value, span);
        _out.Advance(byteCount);
    }

    public void Binary(ReadOnlySpan<byte> value)
    {
        WriteVarint((ulong)value.Length);
        _out.Write(value);
    }

    private void ListHeader(CompactType elementType, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        // Sizes up to 14 share the header byte with the element type; 15 in the size nibble means "varint size follows".
        if (count < 15)
        {
            WriteByte((byte)((count << 4) | (byte)elementType));
        }
        else
        {
            WriteByte((byte)(0xF0 | (byte)elementType));
            WriteVarint((ulong)count);
        }
    }

    private void FieldHeader(short id, CompactType type)
    {
        var delta = id - _lastFieldId;
        if (delta is > 0 and <= 15)
        {
            WriteByte((byte)((delta << 4) | (byte)type));
        }
        else
        {
            WriteByte((byte)type);
            WriteVarint(ZigZag(id));
        }
        _lastFieldId = id;
    }

    private void WriteByte(byte b)
    {
        _out.GetSpan(1)[0] = b;
        _out.Advance(1);
    }

    /// <summary>ULEB128: 7 bits a byte, least significant group first, high bit set on all but the last byte.</summary>
    private void WriteVarint(ulong value)
    {
        var span = _out.GetSpan(10);
        var n = 0;
        while (value >= 0x80)
        {
            span[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        span[n++] = (byte)value;
        _out.Advance(n);
    }

    /// <summary>Zigzag maps signed to unsigned so small negative numbers stay short: 0,-1,1,-2 → 0,1,2,3.</summary>
    private static ulong ZigZag(long value) => (ulong)((value << 1) ^ (value >> 63));
}
