using System.Buffers;
using System.Buffers.Binary;
using IronSnappy;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// Writes one column chunk: the column's rows cut into v1 data pages at row boundaries, each page being
/// a Thrift PageHeader followed by the (optionally Snappy-compressed) body
/// <c>[4-byte LE length + RLE repetition levels]? [4-byte LE length + RLE definition levels]? [PLAIN values]</c>,
/// levels present only when their maximum is above zero.
/// </summary>
internal static class ColumnChunkWriter
{
    /// <summary>Writes the chunk at file offset <paramref name="offset"/> (where <paramref name="output"/> stands) and describes it.</summary>
    public static ColumnChunk Write(Stream output, long offset, LeafLayout layout, ColumnData data, ParquetWriteOptions options)
    {
        var codec = options.Compression == ParquetCompression.Snappy ? CompressionCodec.Snappy : CompressionCodec.Uncompressed;
        long compressedTotal = 0, uncompressedTotal = 0, levelTotal = 0;
        var row = 0;
        while (row < data.RowCount)
        {
            var end = row;
            var levelCount = 0;
            while (end < data.RowCount && levelCount < options.PageValueLimit)
            {
                levelCount += LevelsOfRow(layout, data, end);
                end++;
            }
            var body = EncodeBody(layout, data, row, end, levelCount);
            var stored = codec == CompressionCodec.Snappy ? Snappy.Encode(body) : body;
            var header = ParquetMetadataEncoder.Encode(new PageHeader
            {
                Type = PageType.DataPage,
                UncompressedPageSize = body.Length,
                CompressedPageSize = stored.Length,
                DataPageHeader = new DataPageHeader
                {
                    NumValues = levelCount,
                    Encoding = PageEncoding.Plain,
                    DefinitionLevelEncoding = PageEncoding.Rle,
                    RepetitionLevelEncoding = PageEncoding.Rle,
                },
            });
            output.Write(header);
            output.Write(stored);
            // Both totals include the page headers, as ColumnMetaData asks.
            compressedTotal += header.Length + stored.Length;
            uncompressedTotal += header.Length + body.Length;
            levelTotal += levelCount;
            row = end;
        }

        var encodings = new List<PageEncoding> { PageEncoding.Plain };
        if (layout.MaxDefinition > 0 || layout.MaxRepetition > 0) encodings.Add(PageEncoding.Rle);
        return new ColumnChunk
        {
            FileOffset = 0, // deprecated field: parquet.thrift asks for 0 when no ColumnMetaData is written outside the footer
            MetaData = new ColumnMetaData
            {
                Type = layout.Physical,
                Encodings = encodings,
                PathInSchema = [.. layout.Path],
                Codec = codec,
                NumValues = levelTotal,
                TotalUncompressedSize = uncompressedTotal,
                TotalCompressedSize = compressedTotal,
                DataPageOffset = offset,
                Statistics = ColumnStatistics.Compute(layout, data),
            },
        };
    }

    /// <summary>Level entries a row takes: one, or one per element for a non-empty list.</summary>
    private static int LevelsOfRow(LeafLayout layout, ColumnData data, int row) =>
        layout.Column.IsList ? Math.Max(1, data.LeafOffsets[row + 1] - data.LeafOffsets[row]) : 1;

    private static byte[] EncodeBody(LeafLayout layout, ColumnData data, int firstRow, int endRow, int levelCount)
    {
        var body = new ArrayBufferWriter<byte>();
        if (layout.MaxRepetition > 0 || layout.MaxDefinition > 0)
        {
            var repetition = new int[levelCount]; // [level entries of the page]
            var definition = new int[levelCount]; // [level entries of the page]
            FillLevels(layout, data, firstRow, endRow, repetition, definition);
            if (layout.MaxRepetition > 0) WriteLengthPrefixedLevels(body, repetition, layout.MaxRepetition);
            if (layout.MaxDefinition > 0) WriteLengthPrefixedLevels(body, definition, layout.MaxDefinition);
        }
        var leafStart = data.LeafOffsets[firstRow];
        PlainEncoding.Encode(data.Leaf, leafStart, data.LeafOffsets[endRow] - leafStart, body);
        return body.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Dremel levels for rows [firstRow, endRow). Repetition 0 starts a row, 1 continues its list. Definition counts the
    /// defined optional/repeated ancestors: 0 = null row, <see cref="LeafLayout.EmptyListDefinition"/> = empty list,
    /// <see cref="LeafLayout.MaxDefinition"/> = a value.
    /// </summary>
    private static void FillLevels(LeafLayout layout, ColumnData data, int firstRow, int endRow, Span<int> repetition, Span<int> definition)
    {
        var at = 0;
        for (var row = firstRow; row < endRow; row++)
        {
            var elements = data.LeafOffsets[row + 1] - data.LeafOffsets[row];
            if (!data.IsPresent(row))
            {
                repetition[at] = 0;
                definition[at++] = 0;
            }
            else if (layout.Column.IsList && elements == 0)
            {
                repetition[at] = 0;
                definition[at++] = layout.EmptyListDefinition;
            }
            else
            {
                for (var k = 0; k < elements; k++)
                {
                    repetition[at] = k == 0 ? 0 : 1;
                    definition[at++] = layout.MaxDefinition;
                }
            }
        }
    }

    private static void WriteLengthPrefixedLevels(ArrayBufferWriter<byte> body, int[] levels, int maxLevel)
    {
        var encoded = new ArrayBufferWriter<byte>();
        RleBitPackedHybrid.Encode(levels, RleBitPackedHybrid.BitWidth(maxLevel), encoded);
        var prefix = body.GetSpan(4);
        BinaryPrimitives.WriteInt32LittleEndian(prefix, encoded.WrittenCount);
        body.Advance(4);
        body.Write(encoded.WrittenSpan);
    }
}
