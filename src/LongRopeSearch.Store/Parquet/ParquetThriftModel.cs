namespace LongRopeSearch.Store.Parquet;

// The subset of apache/parquet-format's parquet.thrift this project writes and reads. Enum values and the field ids
// used by ParquetMetadataEncoder/Decoder are the ones of parquet.thrift; values we never use are still allowed in the
// enums (C# enums hold any int), so a foreign file's unknown codes reach a clear error instead of a cast failure.

/// <summary>parquet.thrift <c>Type</c>: the physical storage type of a leaf column.</summary>
internal enum PhysicalType
{
    Boolean = 0,
    Int32 = 1,
    Int64 = 2,
    Int96 = 3,
    Float = 4,
    Double = 5,
    ByteArray = 6,
    FixedLenByteArray = 7,
}

/// <summary>parquet.thrift <c>ConvertedType</c> (deprecated, but written next to the logical type for old readers).</summary>
internal enum ConvertedType
{
    Utf8 = 0,
    Map = 1,
    MapKeyValue = 2,
    List = 3,
    TimestampMillis = 9,
    TimestampMicros = 10,
}

/// <summary>parquet.thrift <c>FieldRepetitionType</c>.</summary>
internal enum FieldRepetition
{
    Required = 0,
    Optional = 1,
    Repeated = 2,
}

/// <summary>parquet.thrift <c>Encoding</c>.</summary>
internal enum PageEncoding
{
    Plain = 0,
    PlainDictionary = 2,
    Rle = 3,
    BitPacked = 4,
    RleDictionary = 8,
}

/// <summary>parquet.thrift <c>CompressionCodec</c>.</summary>
internal enum CompressionCodec
{
    Uncompressed = 0,
    Snappy = 1,
}

/// <summary>parquet.thrift <c>PageType</c>.</summary>
internal enum PageType
{
    DataPage = 0,
    IndexPage = 1,
    DictionaryPage = 2,
    DataPageV2 = 3,
}

/// <summary>The <c>LogicalType</c> union members we use; anything else decodes as <see cref="Other"/>.</summary>
internal enum LogicalKind
{
    String = 1,
    List = 3,
    Timestamp = 8,
    Other = -1,
}

/// <summary>parquet.thrift <c>TimeUnit</c> union member ids.</summary>
internal enum TimeUnit
{
    Millis = 1,
    Micros = 2,
    Nanos = 3,
}

/// <summary>parquet.thrift <c>LogicalType</c> (a union) with the payload of TIMESTAMP flattened in.</summary>
internal sealed record LogicalTypeInfo(LogicalKind Kind, bool IsAdjustedToUtc = false, TimeUnit Unit = TimeUnit.Millis);

/// <summary>parquet.thrift <c>SchemaElement</c>: one node of the depth-first flattened schema tree.</summary>
internal sealed class SchemaElement
{
    public PhysicalType? Type { get; set; }
    public int? TypeLength { get; set; }
    public FieldRepetition? Repetition { get; set; }
    public string Name { get; set; } = "";
    public int? NumChildren { get; set; }
    public ConvertedType? ConvertedType { get; set; }
    public LogicalTypeInfo? LogicalType { get; set; }
}

/// <summary>parquet.thrift <c>Statistics</c>; min/max are PLAIN-encoded values without length prefix.</summary>
internal sealed class Statistics
{
    public byte[]? MaxDeprecated { get; set; }
    public byte[]? MinDeprecated { get; set; }
    public long? NullCount { get; set; }
    public long? DistinctCount { get; set; }
    public byte[]? MaxValue { get; set; }
    public byte[]? MinValue { get; set; }
}

/// <summary>parquet.thrift <c>KeyValue</c>.</summary>
internal sealed record KeyValue(string Key, string? Value);

/// <summary>parquet.thrift <c>ColumnMetaData</c>.</summary>
internal sealed class ColumnMetaData
{
    public PhysicalType Type { get; set; }
    public List<PageEncoding> Encodings { get; set; } = [];
    public List<string> PathInSchema { get; set; } = [];
    public CompressionCodec Codec { get; set; }
    public long NumValues { get; set; }
    public long TotalUncompressedSize { get; set; }
    public long TotalCompressedSize { get; set; }
    public long DataPageOffset { get; set; }
    public long? IndexPageOffset { get; set; }
    public long? DictionaryPageOffset { get; set; }
    public Statistics? Statistics { get; set; }

    /// <summary>Where the chunk's bytes start: its dictionary page if it has one, else its first data page.</summary>
    public long ChunkStart => DictionaryPageOffset is { } d && d < DataPageOffset ? d : DataPageOffset;
}

/// <summary>parquet.thrift <c>ColumnChunk</c>.</summary>
internal sealed class ColumnChunk
{
    public string? FilePath { get; set; }
    public long FileOffset { get; set; }
    public ColumnMetaData? MetaData { get; set; }
}

/// <summary>parquet.thrift <c>RowGroup</c>.</summary>
internal sealed class RowGroup
{
    public List<ColumnChunk> Columns { get; set; } = [];
    public long TotalByteSize { get; set; }
    public long NumRows { get; set; }
    public long? FileOffset { get; set; }
    public long? TotalCompressedSize { get; set; }
    public short? Ordinal { get; set; }
}

/// <summary>parquet.thrift <c>FileMetaData</c>: the footer.</summary>
internal sealed class FileMetaData
{
    public int Version { get; set; }
    public List<SchemaElement> Schema { get; set; } = [];
    public long NumRows { get; set; }
    public List<RowGroup> RowGroups { get; set; } = [];
    public List<KeyValue>? KeyValueMetadata { get; set; }
    public string? CreatedBy { get; set; }

    /// <summary>
    /// Number of <c>ColumnOrder</c> entries, all TYPE_ORDER (the only member we write): one per leaf column, which the
    /// spec asks for whenever Statistics carry min_value/max_value. Null when the footer has no column_orders.
    /// </summary>
    public int? TypeDefinedColumnOrders { get; set; }
}

/// <summary>parquet.thrift <c>DataPageHeader</c> (data page v1).</summary>
internal sealed class DataPageHeader
{
    public int NumValues { get; set; }
    public PageEncoding Encoding { get; set; }
    public PageEncoding DefinitionLevelEncoding { get; set; }
    public PageEncoding RepetitionLevelEncoding { get; set; }
    public Statistics? Statistics { get; set; }
}

/// <summary>parquet.thrift <c>PageHeader</c>; other page kinds' sub-headers are skipped when decoding.</summary>
internal sealed class PageHeader
{
    public PageType Type { get; set; }
    public int UncompressedPageSize { get; set; }
    public int CompressedPageSize { get; set; }
    public int? Crc { get; set; }
    public DataPageHeader? DataPageHeader { get; set; }
}
