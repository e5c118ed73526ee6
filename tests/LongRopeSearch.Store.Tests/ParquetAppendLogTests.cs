using LongRopeSearch.Core;
using LongRopeSearch.Store.Parquet;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Store.Tests;

public sealed class ParquetAppendLogTests
{
    [Fact]
    public void Each_append_adds_a_row_group_and_keeps_old_chunks_byte_for_byte()
    {
        using var dir = new TempDir();
        var path = dir.File("history.parquet");
        var log = new ParquetAppendLog(path, ParquetTestData.AllKinds, new ParquetWriteOptions { PageValueLimit = 40 });
        var appended = new List<ParquetRowGroup>();
        byte[][]? previousChunks = null;

        for (var generation = 0; generation < 4; generation++)
        {
            var rows = ParquetTestData.Generate(seed: generation, rows: 20 + 30 * generation, firstId: appended.Sum(g => g.RowCount));
            log.Append(rows);
            appended.Add(rows);

            var reader = ParquetFileReader.Open(path);
            Assert.Equal(appended.Count, reader.RowGroupCount);
            for (var g = 0; g < appended.Count; g++) ParquetTestData.AssertSameRows(appended[g], reader.ReadRowGroup(g));

            // The column-chunk bytes of every earlier row group are exactly those of the previous file.
            var chunks = ChunkBytes(reader);
            if (previousChunks is not null) Assert.Equal(previousChunks, chunks.Take(previousChunks.Length));
            previousChunks = chunks;
        }
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(dir.PathName).Select(Path.GetFileName)); // no temp files left
    }

    [Fact]
    public void Old_row_groups_written_with_another_codec_stay_readable()
    {
        using var dir = new TempDir();
        var path = dir.File("mixed.parquet");
        var first = ParquetTestData.Generate(seed: 1, rows: 15);
        var second = ParquetTestData.Generate(seed: 2, rows: 25, firstId: 15);
        new ParquetAppendLog(path, ParquetTestData.AllKinds, new ParquetWriteOptions { Compression = ParquetCompression.None }).Append(first);
        new ParquetAppendLog(path, ParquetTestData.AllKinds, new ParquetWriteOptions { Compression = ParquetCompression.Snappy }).Append(second);

        var reader = ParquetFileReader.Open(path);
        ParquetTestData.AssertSameRows(first, reader.ReadRowGroup(0));
        ParquetTestData.AssertSameRows(second, reader.ReadRowGroup(1));
        Assert.Equal(CompressionCodec.Uncompressed, reader.Metadata.RowGroups[0].Columns[0].MetaData!.Codec);
        Assert.Equal(CompressionCodec.Snappy, reader.Metadata.RowGroups[1].Columns[0].MetaData!.Codec);
    }

    [Fact]
    public void Metadata_keys_are_kept_and_updated_across_appends()
    {
        using var dir = new TempDir();
        var path = dir.File("kv.parquet");
        var options = new ParquetWriteOptions { KeyValueMetadata = new Dictionary<string, string> { ["job_id"] = "j1", ["code_version"] = "v1" } };
        new ParquetAppendLog(path, ParquetTestData.AllKinds, options).Append(ParquetTestData.Generate(1, 3));
        new ParquetAppendLog(path, ParquetTestData.AllKinds, options with { KeyValueMetadata = new Dictionary<string, string> { ["code_version"] = "v2" } })
            .Append(ParquetTestData.Generate(2, 3, firstId: 3));

        var kv = ParquetFileReader.Open(path).KeyValueMetadata;
        Assert.Equal("j1", kv["job_id"]);
        Assert.Equal("v2", kv["code_version"]);
    }

    [Fact]
    public void An_existing_file_with_another_schema_is_refused_and_left_untouched()
    {
        using var dir = new TempDir();
        var path = dir.File("other.parquet");
        var otherSchema = new ParquetSchema(new ParquetColumn("x", ParquetColumnKind.Int32));
        ParquetFileWriter.WriteFile(path, otherSchema, [new ParquetRowGroup(otherSchema, 1).Set("x", new[] { 7 })]);
        var before = File.ReadAllBytes(path);

        var e = Assert.Throws<InputException>(() => new ParquetAppendLog(path, ParquetTestData.AllKinds).Append(ParquetTestData.Generate(1, 2)));

        Assert.Equal(Path.GetFullPath(path), e.Origin);
        Assert.Equal("schema", e.Field);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_corrupt_existing_file_is_refused_and_left_untouched()
    {
        using var dir = new TempDir();
        var path = dir.File("broken.parquet");
        var log = new ParquetAppendLog(path, ParquetTestData.AllKinds);
        log.Append(ParquetTestData.Generate(1, 10));
        var truncated = File.ReadAllBytes(path)[..^3];
        File.WriteAllBytes(path, truncated);

        Assert.Throws<InputException>(() => log.Append(ParquetTestData.Generate(2, 10)));
        Assert.Equal(truncated, File.ReadAllBytes(path));
    }

    /// <summary>Every column chunk's bytes, in file order, taken from the footer's offsets.</summary>
    private static byte[][] ChunkBytes(ParquetFileReader reader) =>
        reader.Metadata.RowGroups
            .SelectMany(g => g.Columns)
            .Select(c => reader.Bytes.Slice((int)c.MetaData!.DataPageOffset, (int)c.MetaData.TotalCompressedSize).ToArray())
            .ToArray();
}
