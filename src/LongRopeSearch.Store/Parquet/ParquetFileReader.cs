using System.Buffers.Binary;
using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// Reads Parquet files of the kinds <see cref="ParquetFileWriter"/> writes (see <see cref="ParquetColumnKind"/>;
/// v1 data pages, PLAIN values, UNCOMPRESSED or SNAPPY, any number of row groups). The whole file is held in memory,
/// which suits the history files of a job (a few MB). Every structural problem — wrong magic, a footer length that does
/// not fit, a truncated page — is an <see cref="InputException"/> naming the file, the part and what was expected.
/// </summary>
public sealed class ParquetFileReader
{
    // "PAR1" + footer + 4-byte footer length + "PAR1": nothing shorter can be a Parquet file.
    private const int MinimumFileLength = 12;

    private readonly byte[] _file;
    private readonly long _dataEnd;

    public ParquetFileReader(byte[] fileBytes, string source)
    {
        ArgumentNullException.ThrowIfNull(fileBytes);
        _file = fileBytes;
        Source = source ?? throw new ArgumentNullException(nameof(source));
        (Metadata, _dataEnd) = ReadFooter(fileBytes, source);
        (Schema, Layouts) = ParquetSchemaMapping.FromSchemaElements(Metadata.Schema, source);
        ValidateRowGroups();
        KeyValueMetadata = (Metadata.KeyValueMetadata ?? [])
            .GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
    }

    /// <summary>Reads the file at <paramref name="path"/>; a missing file is an <see cref="InputException"/> too.</summary>
    public static ParquetFileReader Open(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new InputException(path, "", "an existing Parquet file", "no such file", e);
        }
        return new ParquetFileReader(bytes, path);
    }

    /// <summary>The file name (or label) used in error messages.</summary>
    public string Source { get; }

    public ParquetSchema Schema { get; }

    /// <summary>FileMetaData.num_rows.</summary>
    public long RowCount => Metadata.NumRows;

    public int RowGroupCount => Metadata.RowGroups.Count;

    /// <summary>FileMetaData.version (1 or 2 for files of any current writer).</summary>
    public int FormatVersion => Metadata.Version;

    public string? CreatedBy => Metadata.CreatedBy;

    /// <summary>Footer key_value_metadata (the last value wins if a key repeats).</summary>
    public IReadOnlyDictionary<string, string?> KeyValueMetadata { get; }

    public long RowGroupRowCount(int index) => Metadata.RowGroups[index].NumRows;

    /// <summary>Decodes one row group.</summary>
    public ParquetRowGroup ReadRowGroup(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, RowGroupCount);
        var rowGroup = Metadata.RowGroups[index];
        var columns = new ColumnData[Layouts.Length];
        for (var c = 0; c < Layouts.Length; c++)
        {
            columns[c] = ColumnChunkReader.Read(_file, _dataEnd, $"{Source} (row group {index})", Layouts[c], rowGroup.Columns[c], rowGroup.NumRows);
        }
        return new ParquetRowGroup(Schema, (int)rowGroup.NumRows, columns, Source);
    }

    /// <summary>All row groups' rows, concatenated in file order.</summary>
    public ParquetRowGroup ReadAll() =>
        ParquetRowGroup.Concat(Schema, Enumerable.Range(0, RowGroupCount).Select(ReadRowGroup).ToList());

    internal FileMetaData Metadata { get; }

    internal LeafLayout[] Layouts { get; }

    internal ReadOnlySpan<byte> Bytes => _file;

    private static (FileMetaData Meta, long DataEnd) ReadFooter(byte[] file, string source)
    {
        if (file.Length < MinimumFileLength)
        {
            throw new InputException(source, "file length",
                $"at least {MinimumFileLength} bytes ('PAR1', footer, 4-byte footer length, 'PAR1')", $"{file.Length} bytes (truncated or not a Parquet file)");
        }
        var magic = ParquetFileWriter.Magic;
        if (!file.AsSpan(0, 4).SequenceEqual(magic))
        {
            throw new InputException(source, "leading magic", "'PAR1' at byte 0", $"'{Printable(file.AsSpan(0, 4))}' (not a Parquet file)");
        }
        var tail = file.AsSpan(file.Length - 4);
        if (!tail.SequenceEqual(magic))
        {
            var hint = tail.SequenceEqual("PARE"u8) ? "an encrypted footer, which this reader does not support" : "truncated or still being written";
            throw new InputException(source, "trailing magic", "'PAR1' in the last 4 bytes", $"'{Printable(tail)}' ({hint})");
        }
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(file.AsSpan(file.Length - 8, 4));
        var maxFooter = file.Length - MinimumFileLength;
        if (footerLength <= 0 || footerLength > maxFooter)
        {
            throw new InputException(source, "footer length", $"1..{maxFooter} bytes (the file has {file.Length})", $"{footerLength}");
        }
        var footerStart = file.Length - 8 - footerLength;
        var meta = ParquetMetadataDecoder.DecodeFileMetaData(file.AsSpan(footerStart, footerLength), source);
        return (meta, footerStart);
    }

    private void ValidateRowGroups()
    {
        long total = 0;
        for (var g = 0; g < Metadata.RowGroups.Count; g++)
        {
            var rowGroup = Metadata.RowGroups[g];
            if (rowGroup.Columns.Count != Layouts.Length)
            {
                throw new InputException(Source, $"row group {g}", $"{Layouts.Length} column chunks (one per schema leaf)", $"{rowGroup.Columns.Count}");
            }
            if (rowGroup.NumRows is < 0 or > int.MaxValue)
            {
                throw new InputException(Source, $"row group {g}", $"num_rows between 0 and {int.MaxValue}", $"{rowGroup.NumRows}");
            }
            total += rowGroup.NumRows;
        }
        if (total != Metadata.NumRows)
        {
            throw new InputException(Source, "footer num_rows", $"{total} (the sum of the row groups' num_rows)", $"{Metadata.NumRows}");
        }
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (var b in bytes) sb.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
        return sb.ToString();
    }
}
