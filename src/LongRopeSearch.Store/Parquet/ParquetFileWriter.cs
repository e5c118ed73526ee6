using System.Buffers.Binary;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// Writes one whole Parquet file to a stream: "PAR1", the row groups (one per <see cref="WriteRowGroup"/> call, the caller
/// choosing the grouping, e.g. one per generation), then on <see cref="Finish"/> the Thrift footer, its 4-byte
/// little-endian length and "PAR1". The stream is left open. Until Finish the stream holds no valid file, so write
/// files through <see cref="WriteFile"/> (temp file + rename) or <see cref="ParquetAppendLog"/>, never in place.
/// </summary>
public sealed class ParquetFileWriter
{
    /// <summary>The 4-byte magic at both ends of every Parquet file.</summary>
    internal static ReadOnlySpan<byte> Magic => "PAR1"u8;

    /// <summary>FileMetaData.created_by.</summary>
    public const string CreatedBy = "LongRopeSearch";

    private readonly Stream _output;
    private readonly ParquetWriteOptions _options;
    private readonly LeafLayout[] _layouts;
    private readonly List<RowGroup> _rowGroups = [];
    private long _position;
    private bool _finished;

    public ParquetFileWriter(Stream output, ParquetSchema schema, ParquetWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(schema);
        _options = options ?? new ParquetWriteOptions();
        _options.Validate();
        _output = output;
        Schema = schema;
        _layouts = ParquetSchemaMapping.Layouts(schema);
        Append(Magic);
    }

    public ParquetSchema Schema { get; }

    /// <summary>Rows written so far (all row groups).</summary>
    public long RowCount => _rowGroups.Sum(g => g.NumRows);

    /// <summary>
    /// Writes the rows as one row group. Every column must be set. A row group of zero rows writes nothing
    /// (readers disagree on empty row groups, and there is nothing to keep).
    /// </summary>
    public void WriteRowGroup(ParquetRowGroup rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        EnsureOpen();
        if (!rows.Schema.Equals(Schema)) throw new ArgumentException($"row group schema ({rows.Schema}) differs from the file's ({Schema})", nameof(rows));
        if (!rows.IsComplete) throw new ArgumentException("every column of the row group must be set before writing", nameof(rows));
        if (rows.RowCount == 0) return;

        var start = _position;
        var chunks = new List<ColumnChunk>(_layouts.Length);
        long uncompressed = 0;
        for (var c = 0; c < _layouts.Length; c++)
        {
            var chunk = ColumnChunkWriter.Write(_output, _position, _layouts[c], rows.Column(c), _options);
            _position += chunk.MetaData!.TotalCompressedSize; // every byte the chunk wrote: page headers and bodies
            uncompressed += chunk.MetaData!.TotalUncompressedSize;
            chunks.Add(chunk);
        }
        AddRowGroup(chunks, rows.RowCount, start, uncompressed);
    }

    /// <summary>
    /// Copies a row group of another file of the same schema byte for byte (each column chunk's pages, verbatim) and
    /// records it with its offsets moved to where it now sits. The append log uses this to keep old rows untouched.
    /// </summary>
    internal void CopyRowGroup(ReadOnlySpan<byte> sourceFile, RowGroup source, string sourceName)
    {
        EnsureOpen();
        var start = _position;
        var chunks = new List<ColumnChunk>(source.Columns.Count);
        long uncompressed = 0;
        foreach (var chunk in source.Columns)
        {
            var meta = chunk.MetaData ?? throw new InputException(sourceName, "column chunk", "ColumnMetaData in the footer", "none");
            var from = meta.ChunkStart;
            if (from < Magic.Length || meta.TotalCompressedSize < 0 || from + meta.TotalCompressedSize > sourceFile.Length)
            {
                throw new InputException(sourceName, $"column chunk '{string.Join('.', meta.PathInSchema)}'",
                    $"a byte range inside the file's {sourceFile.Length} bytes", $"[{from}, {from + meta.TotalCompressedSize})");
            }
            var shift = _position - from;
            Append(sourceFile.Slice((int)from, (int)meta.TotalCompressedSize));
            chunks.Add(new ColumnChunk
            {
                FileOffset = 0,
                MetaData = new ColumnMetaData
                {
                    Type = meta.Type,
                    Encodings = [.. meta.Encodings],
                    PathInSchema = [.. meta.PathInSchema],
                    Codec = meta.Codec,
                    NumValues = meta.NumValues,
                    TotalUncompressedSize = meta.TotalUncompressedSize,
                    TotalCompressedSize = meta.TotalCompressedSize,
                    DataPageOffset = meta.DataPageOffset + shift,
                    IndexPageOffset = meta.IndexPageOffset + shift,
                    DictionaryPageOffset = meta.DictionaryPageOffset + shift,
                    Statistics = meta.Statistics,
                },
            });
            uncompressed += meta.TotalUncompressedSize;
        }
        AddRowGroup(chunks, source.NumRows, start, uncompressed);
    }

    /// <summary>Writes the footer. The writer cannot be used afterwards.</summary>
    public void Finish()
    {
        EnsureOpen();
        var meta = new FileMetaData
        {
            Version = _options.FormatVersion,
            Schema = ParquetSchemaMapping.ToSchemaElements(Schema),
            NumRows = RowCount,
            RowGroups = _rowGroups,
            KeyValueMetadata = _options.KeyValueMetadata.Count == 0
                ? null
                : _options.KeyValueMetadata.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => new KeyValue(kv.Key, kv.Value)).ToList(),
            CreatedBy = CreatedBy,
            TypeDefinedColumnOrders = _layouts.Length,
        };
        var footer = ParquetMetadataEncoder.Encode(meta);
        Append(footer);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, footer.Length);
        Append(length);
        Append(Magic);
        _output.Flush();
        _finished = true;
    }

    /// <summary>Writes a complete file atomically (temp file, fsync, rename): readers see the old file or the new one.</summary>
    public static void WriteFile(string path, ParquetSchema schema, IEnumerable<ParquetRowGroup> rowGroups, ParquetWriteOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rowGroups);
        AtomicFile.Write(path, stream =>
        {
            var writer = new ParquetFileWriter(stream, schema, options);
            foreach (var rows in rowGroups) writer.WriteRowGroup(rows);
            writer.Finish();
        });
    }

    private void AddRowGroup(List<ColumnChunk> chunks, long rows, long start, long uncompressed)
    {
        _rowGroups.Add(new RowGroup
        {
            Columns = chunks,
            TotalByteSize = uncompressed,
            NumRows = rows,
            FileOffset = start,
            TotalCompressedSize = _position - start,
            Ordinal = _rowGroups.Count <= short.MaxValue ? (short)_rowGroups.Count : null,
        });
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        _position += bytes.Length;
    }

    private void EnsureOpen()
    {
        if (_finished) throw new InvalidOperationException("the Parquet file is already finished");
    }
}
