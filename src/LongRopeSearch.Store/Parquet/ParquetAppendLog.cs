using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// A Parquet file that grows by one row group per <see cref="Append"/> (e.g. one per search generation) and is a
/// complete, valid Parquet file on disk at every moment, even if the process is killed mid-append.
/// <para>
/// Parquet cannot be appended in place (the footer sits at the end and describes every row group), and patching the
/// file would leave a broken one after kill -9. So each Append rewrites the file through <see cref="AtomicFile"/>:
/// the old row groups' column-chunk bytes are copied verbatim (never decoded or re-encoded, so old rows cannot change),
/// their offsets are moved in the new footer, the new row group is encoded after them, then temp file → fsync → rename.
/// </para>
/// <para>
/// Cost: each Append reads and writes the whole file, linear in its size; appending G generations costs O(G × size).
/// That is fine for history files of a few MB (milliseconds per append); a much larger log should roll over to new files.
/// </para>
/// Footer key/value metadata: the keys of the existing file are kept; those in the options are added or overwrite.
/// </summary>
public sealed class ParquetAppendLog
{
    private readonly ParquetWriteOptions _options;

    public ParquetAppendLog(string path, ParquetSchema schema, ParquetWriteOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(schema);
        Path = System.IO.Path.GetFullPath(path);
        Schema = schema;
        _options = options ?? new ParquetWriteOptions();
        _options.Validate();
    }

    public string Path { get; }

    public ParquetSchema Schema { get; }

    /// <summary>
    /// Adds <paramref name="rows"/> as a new row group (creating the file if absent) and atomically replaces the file.
    /// An existing file with another schema, or a corrupt one, is an <see cref="InputException"/> and is left untouched.
    /// An empty row group changes nothing on disk except creating the file when it does not exist yet.
    /// </summary>
    public void Append(ParquetRowGroup rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (!rows.Schema.Equals(Schema)) throw new ArgumentException($"row group schema ({rows.Schema}) differs from the log's ({Schema})", nameof(rows));

        var existing = File.Exists(Path) ? ParquetFileReader.Open(Path) : null;
        if (existing is not null && !existing.Schema.Equals(Schema))
        {
            throw new InputException(Path, "schema", $"the log's schema ({Schema})", $"({existing.Schema}); move the file aside or use a new name");
        }
        if (existing is not null && rows.RowCount == 0) return;

        var options = _options with { KeyValueMetadata = MergedMetadata(existing) };
        AtomicFile.Write(Path, stream =>
        {
            var writer = new ParquetFileWriter(stream, Schema, options);
            if (existing is not null)
            {
                foreach (var rowGroup in existing.Metadata.RowGroups) writer.CopyRowGroup(existing.Bytes, rowGroup, Path);
            }
            writer.WriteRowGroup(rows);
            writer.Finish();
        });
    }

    /// <summary>Reads the whole log (all row groups); null when the file does not exist yet.</summary>
    public ParquetFileReader? OpenReader() => File.Exists(Path) ? ParquetFileReader.Open(Path) : null;

    private Dictionary<string, string> MergedMetadata(ParquetFileReader? existing)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        if (existing is not null)
        {
            foreach (var (key, value) in existing.KeyValueMetadata)
            {
                if (value is not null) merged[key] = value;
            }
        }
        foreach (var (key, value) in _options.KeyValueMetadata) merged[key] = value;
        return merged;
    }
}
