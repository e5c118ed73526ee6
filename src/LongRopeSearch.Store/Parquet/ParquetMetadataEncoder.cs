namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// Serializes the footer (<see cref="FileMetaData"/>) and page headers with the Thrift compact protocol.
/// Field ids are those of parquet.thrift and are written in increasing order within each struct.
/// </summary>
internal static class ParquetMetadataEncoder
{
    public static byte[] Encode(FileMetaData meta)
    {
        var w = new ThriftCompactWriter();
        w.BeginStruct();
        w.I32Field(1, meta.Version);
        w.ListField(2, CompactType.Struct, meta.Schema.Count);
        foreach (var element in meta.Schema) WriteSchemaElement(w, element);
        w.I64Field(3, meta.NumRows);
        w.ListField(4, CompactType.Struct, meta.RowGroups.Count);
        foreach (var rowGroup in meta.RowGroups) WriteRowGroup(w, rowGroup);
        if (meta.KeyValueMetadata is { } kvs) WriteKeyValues(w, 5, kvs);
        if (meta.CreatedBy is { } createdBy) w.StringField(6, createdBy);
        if (meta.TypeDefinedColumnOrders is { } orders)
        {
            w.ListField(7, CompactType.Struct, orders);
            for (var i = 0; i < orders; i++)
            {
                w.BeginStruct();        // union ColumnOrder
                w.StructField(1);       // TYPE_ORDER: TypeDefinedOrder {}
                w.EndStruct();
                w.EndStruct();
            }
        }
        w.EndStruct();
        return w.ToArray();
    }

    public static byte[] Encode(PageHeader header)
    {
        var w = new ThriftCompactWriter();
        w.BeginStruct();
        w.I32Field(1, (int)header.Type);
        w.I32Field(2, header.UncompressedPageSize);
        w.I32Field(3, header.CompressedPageSize);
        if (header.Crc is { } crc) w.I32Field(4, crc);
        if (header.DataPageHeader is { } data)
        {
            w.StructField(5);
            w.I32Field(1, data.NumValues);
            w.I32Field(2, (int)data.Encoding);
            w.I32Field(3, (int)data.DefinitionLevelEncoding);
            w.I32Field(4, (int)data.RepetitionLevelEncoding);
            if (data.Statistics is { } stats) WriteStatistics(w, 5, stats);
            w.EndStruct();
        }
        w.EndStruct();
        return w.ToArray();
    }

    private static void WriteSchemaElement(ThriftCompactWriter w, SchemaElement e)
    {
        w.BeginStruct();
        if (e.Type is { } type) w.I32Field(1, (int)type);
        if (e.TypeLength is { } typeLength) w.I32Field(2, typeLength);
        if (e.Repetition is { } repetition) w.I32Field(3, (int)repetition);
        w.StringField(4, e.Name);
        if (e.NumChildren is { } children) w.I32Field(5, children);
        if (e.ConvertedType is { } converted) w.I32Field(6, (int)converted);
        if (e.LogicalType is { } logical) WriteLogicalType(w, 10, logical);
        w.EndStruct();
    }

    private static void WriteLogicalType(ThriftCompactWriter w, short fieldId, LogicalTypeInfo logical)
    {
        if (logical.Kind == LogicalKind.Other) throw new InvalidOperationException("cannot write an unknown logical type");
        w.StructField(fieldId);            // union LogicalType: exactly one member set
        w.StructField((short)logical.Kind);
        if (logical.Kind == LogicalKind.Timestamp)
        {
            w.BoolField(1, logical.IsAdjustedToUtc);
            w.StructField(2);              // union TimeUnit
            w.StructField((short)logical.Unit);
            w.EndStruct();                 // MilliSeconds {} / MicroSeconds {} / NanoSeconds {}
            w.EndStruct();                 // TimeUnit
        }
        w.EndStruct();                     // StringType {} / ListType {} / TimestampType
        w.EndStruct();                     // LogicalType
    }

    private static void WriteRowGroup(ThriftCompactWriter w, RowGroup rowGroup)
    {
        w.BeginStruct();
        w.ListField(1, CompactType.Struct, rowGroup.Columns.Count);
        foreach (var chunk in rowGroup.Columns) WriteColumnChunk(w, chunk);
        w.I64Field(2, rowGroup.TotalByteSize);
        w.I64Field(3, rowGroup.NumRows);
        if (rowGroup.FileOffset is { } offset) w.I64Field(5, offset);
        if (rowGroup.TotalCompressedSize is { } compressed) w.I64Field(6, compressed);
        if (rowGroup.Ordinal is { } ordinal) w.I16Field(7, ordinal);
        w.EndStruct();
    }

    private static void WriteColumnChunk(ThriftCompactWriter w, ColumnChunk chunk)
    {
        w.BeginStruct();
        if (chunk.FilePath is { } path) w.StringField(1, path);
        w.I64Field(2, chunk.FileOffset);
        if (chunk.MetaData is { } meta)
        {
            w.StructField(3);
            w.I32Field(1, (int)meta.Type);
            w.ListField(2, CompactType.I32, meta.Encodings.Count);
            foreach (var encoding in meta.Encodings) w.I32((int)encoding);
            w.ListField(3, CompactType.Binary, meta.PathInSchema.Count);
            foreach (var part in meta.PathInSchema) w.String(part);
            w.I32Field(4, (int)meta.Codec);
            w.I64Field(5, meta.NumValues);
            w.I64Field(6, meta.TotalUncompressedSize);
            w.I64Field(7, meta.TotalCompressedSize);
            w.I64Field(9, meta.DataPageOffset);
            if (meta.IndexPageOffset is { } index) w.I64Field(10, index);
            if (meta.DictionaryPageOffset is { } dictionary) w.I64Field(11, dictionary);
            if (meta.Statistics is { } stats) WriteStatistics(w, 12, stats);
            w.EndStruct();
        }
        w.EndStruct();
    }

    private static void WriteStatistics(ThriftCompactWriter w, short fieldId, Statistics s)
    {
        w.StructField(fieldId);
        if (s.MaxDeprecated is { } max) w.BinaryField(1, max);
        if (s.MinDeprecated is { } min) w.BinaryField(2, min);
        if (s.NullCount is { } nulls) w.I64Field(3, nulls);
        if (s.DistinctCount is { } distinct) w.I64Field(4, distinct);
        if (s.MaxValue is { } maxValue) w.BinaryField(5, maxValue);
        if (s.MinValue is { } minValue) w.BinaryField(6, minValue);
        w.EndStruct();
    }

    private static void WriteKeyValues(ThriftCompactWriter w, short fieldId, List<KeyValue> kvs)
    {
        w.ListField(fieldId, CompactType.Struct, kvs.Count);
        foreach (var kv in kvs)
        {
            w.BeginStruct();
            w.StringField(1, kv.Key);
            if (kv.Value is { } value) w.StringField(2, value);
            w.EndStruct();
        }
    }
}
