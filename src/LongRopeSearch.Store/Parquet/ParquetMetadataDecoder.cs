using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// Decodes the footer and page headers (Thrift compact protocol, parquet.thrift field ids). Fields we do not model are
/// skipped; a missing required field is an <see cref="InputException"/> naming the struct and the field.
/// </summary>
internal static class ParquetMetadataDecoder
{
    public static FileMetaData DecodeFileMetaData(ReadOnlySpan<byte> bytes, string source)
    {
        var r = new ThriftCompactReader(bytes, source, "footer (FileMetaData)");
        var meta = new FileMetaData();
        bool hasVersion = false, hasSchema = false, hasRows = false, hasRowGroups = false;
        r.BeginStruct();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: meta.Version = r.ReadI32(); hasVersion = true; break;
                case 2 when type == CompactType.List: meta.Schema = ReadStructList(ref r, ReadSchemaElement); hasSchema = true; break;
                case 3 when type == CompactType.I64: meta.NumRows = r.ReadI64(); hasRows = true; break;
                case 4 when type == CompactType.List: meta.RowGroups = ReadStructList(ref r, ReadRowGroup); hasRowGroups = true; break;
                case 5 when type == CompactType.List: meta.KeyValueMetadata = ReadStructList(ref r, ReadKeyValue); break;
                case 6 when type == CompactType.Binary: meta.CreatedBy = r.ReadString(); break;
                case 7 when type == CompactType.List:
                    {
                        var (_, count) = r.ReadListHeader();
                        for (var i = 0; i < count; i++) r.Skip(CompactType.Struct);
                        meta.TypeDefinedColumnOrders = count;
                        break;
                    }
                default: r.Skip(type); break;
            }
        }
        Require(source, "FileMetaData", ("version", hasVersion), ("schema", hasSchema), ("num_rows", hasRows), ("row_groups", hasRowGroups));
        return meta;
    }

    /// <summary>Decodes the page header at the start of <paramref name="bytes"/>; <paramref name="length"/> is its encoded size.</summary>
    public static PageHeader DecodePageHeader(ReadOnlySpan<byte> bytes, string source, string what, out int length)
    {
        var r = new ThriftCompactReader(bytes, source, what);
        var header = new PageHeader();
        bool hasType = false, hasUncompressed = false, hasCompressed = false;
        r.BeginStruct();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: header.Type = (PageType)r.ReadI32(); hasType = true; break;
                case 2 when type == CompactType.I32: header.UncompressedPageSize = r.ReadI32(); hasUncompressed = true; break;
                case 3 when type == CompactType.I32: header.CompressedPageSize = r.ReadI32(); hasCompressed = true; break;
                case 4 when type == CompactType.I32: header.Crc = r.ReadI32(); break;
                case 5 when type == CompactType.Struct: header.DataPageHeader = ReadDataPageHeader(ref r); break;
                default: r.Skip(type); break;
            }
        }
        Require(source, what, ("type", hasType), ("uncompressed_page_size", hasUncompressed), ("compressed_page_size", hasCompressed));
        length = r.Position;
        return header;
    }

    private delegate T StructReader<T>(ref ThriftCompactReader r);

    private static List<T> ReadStructList<T>(ref ThriftCompactReader r, StructReader<T> read)
    {
        var (elementType, count) = r.ReadListHeader();
        var list = new List<T>(count);
        for (var i = 0; i < count; i++)
        {
            if (elementType != CompactType.Struct)
            {
                r.Skip(elementType);
                continue;
            }
            list.Add(read(ref r));
        }
        return list;
    }

    private static SchemaElement ReadSchemaElement(ref ThriftCompactReader r)
    {
        var e = new SchemaElement();
        r.BeginStruct();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: e.Type = (PhysicalType)r.ReadI32(); break;
                case 2 when type == CompactType.I32: e.TypeLength = r.ReadI32(); break;
                case 3 when type == CompactType.I32: e.Repetition = (FieldRepetition)r.ReadI32(); break;
                case 4 when type == CompactType.Binary: e.Name = r.ReadString(); break;
                case 5 when type == CompactType.I32: e.NumChildren = r.ReadI32(); break;
                case 6 when type == CompactType.I32: e.ConvertedType = (ConvertedType)r.ReadI32(); break;
                case 10 when type == CompactType.Struct: e.LogicalType = ReadLogicalType(ref r); break;
                default: r.Skip(type); break;
            }
        }
        // A nameless element keeps Name == "", which the schema mapping rejects naming the element's position.
        return e;
    }

    private static LogicalTypeInfo ReadLogicalType(ref ThriftCompactReader r)
    {
        var result = new LogicalTypeInfo(LogicalKind.Other);
        r.BeginStruct();
        while (r.NextField(out var id, out var type))
        {
            if (id == (short)LogicalKind.Timestamp && type == CompactType.Struct)
            {
                result = ReadTimestampType(ref r);
            }
            else if (id is (short)LogicalKind.String or (short)LogicalKind.List && type == CompactType.Struct)
            {
                r.Skip(type);
                result = new LogicalTypeInfo((LogicalKind)id);
            }
            else
            {
                r.Skip(type);
            }
        }
        return result;
    }

    private static LogicalTypeInfo ReadTimestampType(ref ThriftCompactReader r)
    {
        var utc = false;
        var unit = (TimeUnit)0;
        r.BeginStruct();
        while (r.NextField(out var id, out var type))
        {
            if (id == 1 && type is CompactType.BoolTrue or CompactType.BoolFalse)
            {
                utc = r.FieldBool(type);
            }
            else if (id == 2 && type == CompactType.Struct)
            {
                r.BeginStruct();
                while (r.NextField(out var unitId, out var unitType))
                {
                    unit = (TimeUnit)unitId;
                    r.Skip(unitType);
                }
            }
            else
            {
                r.Skip(type);
            }
        }
        return new LogicalTypeInfo(LogicalKind.Timestamp, utc, unit);
    }

    private static RowGroup ReadRowGroup(ref ThriftCompactReader r)
    {
        var g = new RowGroup();
        r.BeginStruct();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.List: g.Columns = ReadStructList(ref r, ReadColumnChunk); break;
                case 2 when type == CompactType.I64: g.TotalByteSize = r.ReadI64(); break;
                case 3 when type == CompactType.I64: g.NumRows = r.ReadI64(); break;
                case 5 when type == CompactType.I64: g.FileOffset = r.ReadI64(); break;
                case 6 when type == CompactType.I64: g.TotalCompressedSize = r.ReadI64(); break;
                case 7 when type == CompactType.I16:
                    {
                        var ordinal = r.ReadI32(); // informational only: an out-of-range value is dropped, not fatal
                        g.Ordinal = ordinal is >= short.MinValue and <= short.MaxValue ? (short)ordinal : null;
                        break;
                    }
                default: r.Skip(type); break;
            }
        }
        return g;
    }

    private static ColumnChunk ReadColumnChunk(ref ThriftCompactReader r)
    {
        var c = new ColumnChunk();
        r.BeginStruct();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.Binary: c.FilePath = r.ReadString(); break;
                case 2 when type == CompactType.I64: c.FileOffset = r.ReadI64(); break;
                case 3 when type == CompactType.Struct: c.MetaData = ReadColumnMetaData(ref r); break;
                default: r.Skip(type); break;
            }
        }
        return c;
    }

    private static ColumnMetaData ReadColumnMetaData(ref ThriftCompactReader r)
    {
        var m = new ColumnMetaData();
        r.BeginStruct();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: m.Type = (PhysicalType)r.ReadI32(); break;
                case 2 when type == CompactType.List:
                    {
                        var (_, count) = r.ReadListHeader();
                        for (var i = 0; i < count; i++) m.Encodings.Add((PageEncoding)r.ReadI32());
                        break;
                    }
                case 3 when type == CompactType.List:
                    {
                        var (_, count) = r.ReadListHeader();
                        for (var i = 0; i < count; i++) m.PathInSchema.Add(r.ReadString());
                        break;
                    }
                case 4 when type == CompactType.I32: m.Codec = (CompressionCodec)r.ReadI32(); break;
                case 5 when type == CompactType.I64: m.NumValues = r.ReadI64(); break;
                case 6 when type == CompactType.I64: m.TotalUncompressedSize = r.ReadI64(); break;
                case 7 when type == CompactType.I64: m.TotalCompressedSize = r.ReadI64(); break;
                case 9 when type == CompactType.I64: m.DataPageOffset = r.ReadI64(); break;
                case 10 when type == CompactType.I64: m.IndexPageOffset = r.ReadI64(); break;
                case 11 when type == CompactType.I64: m.DictionaryPageOffset = r.ReadI64(); break;
                case 12 when type == CompactType.Struct: m.Statistics = ReadStatistics(ref r); break;
                default: r.Skip(type); break;
            }
        }
        return m;
    }

    private static DataPageHeader ReadDataPageHeader(ref ThriftCompactReader r)
    {
        var h = new DataPageHeader();
        r.BeginStruct();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.I32: h.NumValues = r.ReadI32(); break;
                case 2 when type == CompactType.I32: h.Encoding = (PageEncoding)r.ReadI32(); break;
                case 3 when type == CompactType.I32: h.DefinitionLevelEncoding = (PageEncoding)r.ReadI32(); break;
                case 4 when type == CompactType.I32: h.RepetitionLevelEncoding = (PageEncoding)r.ReadI32(); break;
                case 5 when type == CompactType.Struct: h.Statistics = ReadStatistics(ref r); break;
                default: r.Skip(type); break;
            }
        }
        return h;
    }

    private static Statistics ReadStatistics(ref ThriftCompactReader r)
    {
        var s = new Statistics();
        r.BeginStruct();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.Binary: s.MaxDeprecated = r.ReadBinary(); break;
                case 2 when type == CompactType.Binary: s.MinDeprecated = r.ReadBinary(); break;
                case 3 when type == CompactType.I64: s.NullCount = r.ReadI64(); break;
                case 4 when type == CompactType.I64: s.DistinctCount = r.ReadI64(); break;
                case 5 when type == CompactType.Binary: s.MaxValue = r.ReadBinary(); break;
                case 6 when type == CompactType.Binary: s.MinValue = r.ReadBinary(); break;
                default: r.Skip(type); break;
            }
        }
        return s;
    }

    private static KeyValue ReadKeyValue(ref ThriftCompactReader r)
    {
        string? key = null, value = null;
        r.BeginStruct();
        while (r.NextField(out var id, out var type))
        {
            switch (id)
            {
                case 1 when type == CompactType.Binary: key = r.ReadString(); break;
                case 2 when type == CompactType.Binary: value = r.ReadString(); break;
                default: r.Skip(type); break;
            }
        }
        return new KeyValue(key ?? "", value);
    }

    private static void Require(string source, string structure, params (string Field, bool Present)[] fields)
    {
        foreach (var (field, present) in fields)
        {
            if (!present) throw new InputException(source, structure, $"required field '{field}'", "it is missing (corrupt footer or page header)");
        }
    }
}
