using System.Globalization;
using LongRopeSearch.Core;
using Parquet;
using Parquet.Schema;

namespace LongRopeSearch.Store.History;

/// <summary>
/// history.parquet: every evaluated candidate of a job, one row group per flush (the job flushes once per
/// generation), written and read with Parquet.Net in the columns of <see cref="HistorySchema"/>.
/// <para>
/// Crash safety: the file on disk is always a complete Parquet file, even after kill -9. Parquet.Net can append a row
/// group to an existing file in place (it overwrites the footer with the new group and a new footer), but a kill in
/// the middle of that leaves a file without a valid footer, whose earlier rows are then unreadable too. So each flush
/// copies the current file into memory, lets Parquet.Net append the row group there (the earlier row groups' bytes
/// stay as they were: the append starts where the old footer began) and replaces the file through
/// <see cref="AtomicFile"/> (temp file, fsync, rename). Cost: each flush reads and writes the whole file, linear in
/// its size; a history of a few thousand rows is a few hundred KB, milliseconds per generation.
/// </para>
/// </summary>
public sealed class HistoryLog
{
    private readonly IReadOnlyDictionary<string, string> _metadata;

    /// <param name="path">The history file (created on the first <see cref="Append"/>).</param>
    /// <param name="metadata">Footer key/value metadata: added to a new file, and merged into an existing one's (these win).</param>
    public HistoryLog(string path, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Path = System.IO.Path.GetFullPath(path);
        _metadata = metadata ?? new Dictionary<string, string>();
    }

    public string Path { get; }

    private static ParquetOptions Options => new() { CompressionMethod = CompressionMethod.Snappy };

    /// <summary>
    /// Adds <paramref name="rows"/> as one new row group (creating the file if absent) and atomically replaces the
    /// file. No rows: nothing changes. An existing file that is not a history file is an <see cref="InputException"/>
    /// and is left untouched.
    /// </summary>
    public void Append(IReadOnlyList<HistoryRow> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0) return;
        var existing = File.Exists(Path) ? File.ReadAllBytes(Path) : null;
        // One read of an existing file: a foreign or corrupt one is refused before anything is written; one from
        // before the cost columns comes back whole, to be rewritten in the current columns (its rows with 0 cost).
        var before = existing is null ? null : Parse(existing, Path, async r =>
            IsBeforeCosts(r) ? (Groups: await ReadGroupsAsync(r), Metadata: await ReadMetadataAsync(r)) : ((List<HistoryRow[]> Groups, Dictionary<string, string> Metadata)?)null);
        MemoryStream file;
        if (before is { } old)
        {
            old.Groups.Add(rows.ToArray());
            file = NewFile(Merge(old.Metadata, _metadata), old.Groups);
        }
        else
        {
            file = new MemoryStream();
            if (existing is not null) file.Write(existing);
            Async.Run(async () =>
            {
                var schema = HistorySchema.NewParquetSchema();
                var writer = await ParquetWriter.CreateAsync(schema, file, Options, append: existing is not null);
                await using (writer)
                {
                    writer.CustomMetadata = Merge(existing is null ? null : writer.CustomMetadata, _metadata);
                    await WriteGroupAsync(writer, schema, rows);
                }
            });
        }
        AtomicFile.Write(Path, s => s.Write(file.GetBuffer(), 0, checked((int)file.Length)));
    }

    /// <summary>A whole history file in the current columns: <paramref name="groups"/> as row groups, in order.</summary>
    private static MemoryStream NewFile(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<IReadOnlyList<HistoryRow>> groups)
    {
        var file = new MemoryStream();
        Async.Run(async () =>
        {
            var schema = HistorySchema.NewParquetSchema();
            var writer = await ParquetWriter.CreateAsync(schema, file, Options);
            await using (writer)
            {
                writer.CustomMetadata = metadata.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
                foreach (var group in groups) await WriteGroupAsync(writer, schema, group);
            }
        });
        return file;
    }

    /// <summary>
    /// Makes the file hold exactly the first <paramref name="rows"/> rows, the count the job's checkpoint says were
    /// written (state.json's history_rows_committed). Rows past it were flushed by a run killed before its checkpoint
    /// recorded them (the resumed run writes them again) and are cut; the cut falls on a row-group boundary, because
    /// the job flushes whole generations and checkpoints right after. A file that is missing, unreadable or shorter
    /// than <paramref name="rows"/> has lost history the checkpoint counts on: an <see cref="InputException"/>
    /// naming the file, what was expected and what was found, instead of a resume that silently leaves a partial
    /// history.
    /// </summary>
    public void TruncateTo(long rows)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        string Expected() => string.Create(CultureInfo.InvariantCulture,
            $"the {rows} history rows that the job's checkpoint (state.json history_rows_committed) says were written");
        const string CannotRebuild = " (the rows cannot be rebuilt from the checkpoint: restore the file, or run the job again in a new --out directory)";
        if (!File.Exists(Path))
        {
            if (rows == 0) return;
            throw new InputException(Path, "", Expected(), "no such file" + CannotRebuild);
        }
        var bytes = File.ReadAllBytes(Path);
        var groups = Parse(bytes, Path, ReadGroupsAsync);
        long found = groups.Sum(g => (long)g.Length);
        if (found < rows)
            throw new InputException(Path, "", Expected(), string.Create(CultureInfo.InvariantCulture, $"{found} rows") + CannotRebuild);
        if (found == rows) return;

        var keep = new List<HistoryRow[]>();
        long n = 0;
        foreach (var group in groups.TakeWhile(_ => n < rows))
        {
            keep.Add(group);
            n += group.Length;
        }
        if (n != rows)
            throw new InputException(Path, "", Expected() + ", a count that ends a row group (one per generation)",
                string.Create(CultureInfo.InvariantCulture, $"row groups of {string.Join(", ", groups.Select(g => g.Length))} rows"));
        var file = NewFile(Parse(bytes, Path, ReadMetadataAsync), keep);
        AtomicFile.Write(Path, s => s.Write(file.GetBuffer(), 0, checked((int)file.Length)));
    }

    /// <summary>Every row of the file in order; none when the file does not exist. A file that is not a readable history file is an <see cref="InputException"/>.</summary>
    public static IReadOnlyList<HistoryRow> ReadAll(string path)
    {
        if (!File.Exists(path)) return [];
        return Parse(File.ReadAllBytes(path), System.IO.Path.GetFullPath(path), ReadGroupsAsync).SelectMany(g => g).ToList();
    }

    /// <summary>The footer key/value metadata (job id, code version, model) of a history file.</summary>
    public static IReadOnlyDictionary<string, string> ReadMetadata(string path) =>
        Parse(File.ReadAllBytes(path), System.IO.Path.GetFullPath(path), ReadMetadataAsync);

    /// <summary>Writes <paramref name="rows"/> as one row group; <paramref name="schema"/> is the one the writer was created with.</summary>
    private static async Task WriteGroupAsync(ParquetWriter writer, ParquetSchema schema, IReadOnlyList<HistoryRow> rows)
    {
        var fields = schema.GetDataFields(); // [columns]: one leaf per column (a list's leaf is its element)
        using var group = writer.CreateRowGroup();
        for (int c = 0; c < HistorySchema.Columns.Count; c++) await HistorySchema.Columns[c].WriteAsync(group, fields[c], rows);
        group.CompleteValidate();
    }

    private static async Task<List<HistoryRow[]>> ReadGroupsAsync(ParquetReader reader)
    {
        var fields = reader.Schema.GetDataFields();
        var groups = new List<HistoryRow[]>(reader.RowGroupCount);
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            var rows = new HistoryRow[checked((int)group.RowCount)]; // [rows of the group]
            Array.Fill(rows, HistoryRow.Blank());
            // A file from before the cost columns has the first ones only; the rest keep their blank value (0).
            for (int c = 0; c < fields.Length; c++) await HistorySchema.Columns[c].ReadAsync(group, fields[c], rows);
            groups.Add(rows);
        }
        return groups;
    }

    private static Task<Dictionary<string, string>> ReadMetadataAsync(ParquetReader reader) =>
        Task.FromResult(reader.CustomMetadata.ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal));

    /// <summary>
    /// Opens <paramref name="bytes"/> (the whole file, already read: I/O errors surfaced as themselves) with
    /// Parquet.Net, checks it has the history schema and runs <paramref name="read"/>. Anything that goes wrong while
    /// decoding is the content's fault: one <see cref="InputException"/> naming the file.
    /// </summary>
    private static T Parse<T>(byte[] bytes, string path, Func<ParquetReader, Task<T>> read)
    {
        try
        {
            return Async.Run(async () =>
            {
                await using var reader = await ParquetReader.CreateAsync(new MemoryStream(bytes, writable: false));
                var expected = HistorySchema.NewParquetSchema();
                if (!reader.Schema.Equals(expected) && !IsBeforeCosts(reader))
                    throw new InputException(path, "schema", $"the history columns ({Describe(expected)})", $"({Describe(reader.Schema)}); move the file aside or use another --out");
                return await read(reader);
            });
        }
        catch (InputException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InputException(path, "", "a history file written by this tool (Parquet)", $"an unreadable file ({e.Message})", e);
        }
    }

    private static bool IsBeforeCosts(ParquetReader reader) => reader.Schema.Equals(HistorySchema.NewParquetSchemaBeforeCosts());

    private static string Describe(ParquetSchema schema) => string.Join(", ", schema.Fields.Select(f => f.Name));

    private static Dictionary<string, string> Merge(IReadOnlyDictionary<string, string>? existing, IReadOnlyDictionary<string, string> added)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in existing ?? new Dictionary<string, string>()) merged[key] = value;
        foreach (var (key, value) in added) merged[key] = value;
        return merged;
    }
}

/// <summary>Runs Parquet.Net's async API to completion from synchronous code, off any synchronization context.</summary>
internal static class Async
{
    public static void Run(Func<Task> work) => Task.Run(work).GetAwaiter().GetResult();

    public static T Run<T>(Func<Task<T>> work) => Task.Run(work).GetAwaiter().GetResult();
}
