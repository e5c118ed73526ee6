using System.Buffers.Binary;
using IronSnappy;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// Reads one column chunk back into <see cref="ColumnData"/>: walks its v1 data pages (UNCOMPRESSED or SNAPPY, PLAIN
/// values, RLE levels), then rebuilds rows from the levels (repetition 0 starts a row; the definition level says null
/// row, empty list or value). Dictionary pages and data page v2 are refused with a clear message: our writer makes
/// neither, and this reader exists to read our own files.
/// </summary>
internal static class ColumnChunkReader
{
    public static ColumnData Read(ReadOnlySpan<byte> file, long dataEnd, string source, LeafLayout layout, ColumnChunk chunk, long expectedRows)
    {
        var what = $"column '{layout.Column.Name}'";
        var meta = chunk.MetaData ?? throw new InputException(source, what, "ColumnMetaData in the footer", "none");
        if (chunk.FilePath is not null) throw new InputException(source, what, "column data inside this file", $"file_path '{chunk.FilePath}'");
        if (meta.Type != layout.Physical) throw new InputException(source, what, $"physical type {layout.Physical} (as in the schema)", meta.Type.ToString());
        if (!meta.PathInSchema.SequenceEqual(layout.Path))
        {
            throw new InputException(source, what, $"path_in_schema {string.Join('.', layout.Path)}", string.Join('.', meta.PathInSchema));
        }
        if (meta.Codec is not (CompressionCodec.Uncompressed or CompressionCodec.Snappy))
        {
            throw new InputException(source, what, "compression UNCOMPRESSED or SNAPPY", meta.Codec.ToString());
        }
        var start = meta.ChunkStart;
        var end = start + meta.TotalCompressedSize;
        if (start < ParquetFileWriter.Magic.Length || meta.TotalCompressedSize < 0 || end > dataEnd)
        {
            throw new InputException(source, what, $"a chunk inside the data area [4, {dataEnd})", $"[{start}, {end})");
        }

        var assembler = new LevelAssembler(layout, source, what);
        var position = start;
        long valuesRead = 0;
        while (valuesRead < meta.NumValues)
        {
            var pageWhat = $"{what} page at byte {position}";
            if (position >= end) throw new InputException(source, what, $"{meta.NumValues} values in the chunk", $"pages end after {valuesRead}");
            var header = ParquetMetadataDecoder.DecodePageHeader(file[(int)position..(int)end], source, pageWhat, out var headerLength);
            position += headerLength;
            if (header.CompressedPageSize < 0 || header.CompressedPageSize > end - position)
            {
                throw new InputException(source, pageWhat, $"a page body of at most {end - position} bytes", $"{header.CompressedPageSize}");
            }
            var stored = file.Slice((int)position, header.CompressedPageSize);
            position += header.CompressedPageSize;
            switch (header.Type)
            {
                case PageType.DataPage:
                    var body = meta.Codec == CompressionCodec.Snappy ? Decompress(stored, header, source, pageWhat) : stored;
                    valuesRead += ReadDataPage(body, header, layout, assembler, meta.NumValues - valuesRead, source, pageWhat);
                    break;
                case PageType.DictionaryPage:
                case PageType.DataPageV2:
                    throw new InputException(source, pageWhat, "v1 data pages with PLAIN values (what LongRopeSearch writes)", header.Type.ToString());
                default:
                    break; // index pages carry nothing we need
            }
        }
        return assembler.Finish(expectedRows);
    }

    private static ReadOnlySpan<byte> Decompress(ReadOnlySpan<byte> stored, PageHeader header, string source, string what)
    {
        // A Snappy block starts with its decoded length (ULEB128). Check it before decoding so a corrupt length cannot
        // make the decoder allocate gigabytes: it must match the page header, and Snappy cannot expand more than
        // ~21× (a 3-byte copy op yields at most 64 bytes), so anything beyond 32× + 64 is corruption.
        var declared = SnappyDecodedLength(stored);
        if (declared != header.UncompressedPageSize || declared > 32L * stored.Length + 64)
        {
            throw new InputException(source, what, $"a Snappy block decoding to {header.UncompressedPageSize} bytes", $"a block declaring {declared}");
        }
        byte[] body;
        try
        {
            body = Snappy.Decode(stored);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InputException(source, what, "a valid Snappy block", e.Message, e);
        }
        if (body.Length != header.UncompressedPageSize)
        {
            throw new InputException(source, what, $"{header.UncompressedPageSize} bytes after Snappy decompression", $"{body.Length}");
        }
        return body;
    }

    private static long SnappyDecodedLength(ReadOnlySpan<byte> block)
    {
        long length = 0;
        for (var i = 0; i < Math.Min(block.Length, 5); i++)
        {
            length |= (long)(block[i] & 0x7F) << (7 * i);
            if ((block[i] & 0x80) == 0) return length;
        }
        return -1;
    }

    /// <summary>Decodes one v1 data page into the assembler; returns its num_values.</summary>
    private static int ReadDataPage(ReadOnlySpan<byte> body, PageHeader header, LeafLayout layout, LevelAssembler assembler,
        long valuesLeftInChunk, string source, string what)
    {
        var data = header.DataPageHeader ?? throw new InputException(source, what, "a data_page_header", "none");
        if (data.Encoding != PageEncoding.Plain) throw new InputException(source, what, "PLAIN values", data.Encoding.ToString());
        var count = data.NumValues;
        // Checked before anything is allocated for the page's levels: a corrupt count must not become a huge array.
        if (count < 0 || count > valuesLeftInChunk)
        {
            throw new InputException(source, what, $"num_values between 0 and {valuesLeftInChunk} (what the chunk has left)", count.ToString());
        }
        var position = 0;
        int[]? repetition = null, definition = null; // [count] each, when the column has such levels
        if (layout.MaxRepetition > 0) repetition = ReadLevels(body, ref position, count, layout.MaxRepetition, data.RepetitionLevelEncoding, source, what + " repetition levels");
        if (layout.MaxDefinition > 0) definition = ReadLevels(body, ref position, count, layout.MaxDefinition, data.DefinitionLevelEncoding, source, what + " definition levels");
        var valueCount = definition is null ? count : definition.Count(d => d == layout.MaxDefinition);
        var values = PlainEncoding.Decode(layout.Physical, body[position..], valueCount, source, what + " values");
        assembler.Add(repetition, definition, count, values);
        return count;
    }

    private static int[] ReadLevels(ReadOnlySpan<byte> body, ref int position, int count, int maxLevel, PageEncoding encoding, string source, string what)
    {
        if (encoding != PageEncoding.Rle) throw new InputException(source, what, "RLE encoding", encoding.ToString());
        if (body.Length - position < 4) throw new InputException(source, what, "a 4-byte length prefix", $"{body.Length - position} bytes");
        var length = BinaryPrimitives.ReadInt32LittleEndian(body[position..]);
        position += 4;
        if (length < 0 || length > body.Length - position)
        {
            throw new InputException(source, what, $"a length of at most {body.Length - position} bytes", length.ToString());
        }
        var levels = new int[count];
        RleBitPackedHybrid.Decode(body.Slice(position, length), RleBitPackedHybrid.BitWidth(maxLevel), levels, source, what);
        position += length;
        var bad = Array.FindIndex(levels, l => l > maxLevel);
        if (bad >= 0) throw new InputException(source, what, $"levels ≤ {maxLevel}", $"{levels[bad]} at entry {bad}");
        return levels;
    }
}
