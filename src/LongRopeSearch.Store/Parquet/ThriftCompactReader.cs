using System.Buffers.Binary;
using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// Decoder for the Thrift compact protocol over a byte span. Every read is bounds-checked and every failure is an
/// <see cref="InputException"/> naming the file and the structure being decoded ("footer", "page header at byte N"),
/// because these bytes come from a file on disk that may be truncated or corrupt.
/// Unknown fields are skipped, so files from writers that add optional fields still decode.
/// </summary>
internal ref struct ThriftCompactReader
{
    // Nesting deeper than this is no Parquet structure; the limit keeps a corrupt file from recursing without end.
    private const int MaxDepth = 64;

    private readonly ReadOnlySpan<byte> _data;
    private readonly string _source;
    private readonly string _what;
    private int _position;
    private short _lastFieldId;
    private readonly Stack<short> _enclosingLastIds;

    public ThriftCompactReader(ReadOnlySpan<byte> data, string source, string what)
    {
        _data = data;
        _source = source;
        _what = what;
        _position = 0;
        _lastFieldId = 0;
        _enclosingLastIds = new Stack<short>();
    }

    /// <summary>Bytes consumed so far (a page header's length is only known after decoding it).</summary>
    public readonly int Position => _position;

    public void BeginStruct()
    {
        if (_enclosingLastIds.Count >= MaxDepth) throw Corrupt($"structures nested at most {MaxDepth} deep", null);
        _enclosingLastIds.Push(_lastFieldId);
        _lastFieldId = 0;
    }

    /// <summary>
    /// Reads the next field header of the current struct. Returns false at the struct's stop byte (and closes the struct).
    /// For boolean fields the value is in <paramref name="type"/>: use <see cref="FieldBool"/>.
    /// </summary>
    public bool NextField(out short id, out CompactType type)
    {
        var header = ReadByte();
        if (header == 0)
        {
            _lastFieldId = _enclosingLastIds.Pop();
            id = 0;
            type = CompactType.Stop;
            return false;
        }
        type = (CompactType)(header & 0x0F);
        var delta = header >> 4;
        var fieldId = delta != 0 ? _lastFieldId + delta : ReadZigZag32();
        if (fieldId is < short.MinValue or > short.MaxValue) throw Corrupt("a 16-bit field id", $"{fieldId}");
        id = (short)fieldId;
        if (type > CompactType.Struct) throw Corrupt("a Thrift compact type code 1..12", $"type code {(int)type} for field {id}");
        _lastFieldId = id;
        return true;
    }

    /// <summary>The value of a boolean struct field, which the field header's type code carries.</summary>
    public readonly bool FieldBool(CompactType type) => type switch
    {
        CompactType.BoolTrue => true,
        CompactType.BoolFalse => false,
        _ => throw Corrupt("a boolean field", $"type code {(int)type}"),
    };

    public int ReadI32() => ReadZigZag32();

    public long ReadI64()
    {
        var v = ReadVarint();
        return (long)(v >> 1) ^ -(long)(v & 1);
    }

    public sbyte ReadI8() => unchecked((sbyte)ReadByte());

    public double ReadDouble()
    {
        var bytes = Take(8);
        return BinaryPrimitives.ReadDoubleLittleEndian(bytes);
    }

    public byte[] ReadBinary() => Take(ReadLength()).ToArray();

    public string ReadString()
    {
        var bytes = Take(ReadLength());
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InputException(_source, _what, "UTF-8 text in a Thrift string", "invalid UTF-8 bytes", e);
        }
    }

    /// <summary>Reads a list header; the caller then reads <c>count</c> elements of <c>elementType</c>.</summary>
    public (CompactType ElementType, int Count) ReadListHeader()
    {
        var header = ReadByte();
        var elementType = (CompactType)(header & 0x0F);
        var count = header >> 4;
        if (count == 15) count = ReadLength();
        // Every element takes at least one byte, so a count beyond the remaining bytes is corruption,
        // caught here before anything allocates an array of that size.
        if (count > _data.Length - _position) throw Corrupt($"a list of at most {_data.Length - _position} elements", $"{count}");
        return (elementType, count);
    }

    /// <summary>Skips one value of the given type (an unknown field, or an element of an unneeded list).</summary>
    public void Skip(CompactType type) => Skip(type, 0);

    private void Skip(CompactType type, int depth)
    {
        if (depth > MaxDepth) throw Corrupt($"structures nested at most {MaxDepth} deep", null);
        switch (type)
        {
            case CompactType.BoolTrue:
            case CompactType.BoolFalse:
                break; // a boolean field's value is its type code; nothing follows
            case CompactType.Byte:
                ReadByte();
                break;
            case CompactType.I16:
            case CompactType.I32:
            case CompactType.I64:
                ReadVarint();
                break;
            case CompactType.Double:
                Take(8);
                break;
            case CompactType.Binary:
                Take(ReadLength());
                break;
            case CompactType.List:
            case CompactType.Set:
                {
                    var (elementType, count) = ReadListHeader();
                    for (var i = 0; i < count; i++)
                    {
                        // Inside lists a boolean is a full byte, not a type code.
                        if (elementType is CompactType.BoolTrue or CompactType.BoolFalse) ReadByte();
                        else Skip(elementType, depth + 1);
                    }
                    break;
                }
            case CompactType.Map:
                {
                    var count = ReadLength();
                    if (count == 0) break;
                    var kinds = ReadByte();
                    var keyType = (CompactType)(kinds >> 4);
                    var valueType = (CompactType)(kinds & 0x0F);
                    for (var i = 0; i < count; i++)
                    {
                        Skip(keyType, depth + 1);
                        Skip(valueType, depth + 1);
                    }
                    break;
                }
            case CompactType.Struct:
                BeginStruct();
                while (NextField(out _, out var fieldType)) Skip(fieldType, depth + 1);
                break;
            default:
                throw Corrupt("a Thrift compact type code 1..12", $"type code {(int)type}");
        }
    }

    private int ReadZigZag32()
    {
        var v = ReadVarint();
        if (v > uint.MaxValue) throw Corrupt("a 32-bit integer", $"varint {v}");
        return (int)(uint)(v >> 1) ^ -(int)(v & 1);
    }

    private int ReadLength()
    {
        var v = ReadVarint();
        if (v > int.MaxValue) throw Corrupt("a length below 2^31", $"{v}");
        return (int)v;
    }

    private ulong ReadVarint()
    {
        ulong result = 0;
        for (var shift = 0; shift < 70; shift += 7)
        {
            var b = ReadByte();
            result |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0) return result;
        }
        throw Corrupt("a varint of at most 10 bytes", "a longer one");
    }

    private byte ReadByte()
    {
        if (_position >= _data.Length) throw Truncated(1);
        return _data[_position++];
    }

    private ReadOnlySpan<byte> Take(int count)
    {
        if (count > _data.Length - _position) throw Truncated(count);
        var span = _data.Slice(_position, count);
        _position += count;
        return span;
    }

    private readonly InputException Truncated(int wanted) => new(_source, _what,
        $"{wanted} more byte(s) of Thrift compact data at offset {_position}", $"{_data.Length - _position} left (truncated or corrupt)");

    private readonly InputException Corrupt(string expected, string? found) =>
        new(_source, _what, expected + $" (Thrift compact data, offset {_position})", found);
}
