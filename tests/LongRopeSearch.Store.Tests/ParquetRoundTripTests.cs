using System.Buffers.Binary;
using LongRopeSearch.Store.Parquet;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Store.Tests;

/// <summary>Write with ParquetFileWriter, read with ParquetFileReader, compare with the generated input.</summary>
public sealed class ParquetRoundTripTests
{
    [Theory]
    [InlineData(ParquetCompression.None, 1)]
    [InlineData(ParquetCompression.Snappy, 1)]
    [InlineData(ParquetCompression.Snappy, 2)]
    public void Every_kind_round_trips_across_row_groups_and_pages(ParquetCompression compression, int version)
    {
        // Row groups of different sizes; a small page limit forces many pages per chunk (lists spill over the limit).
        int[] sizes = [1, 37, 300, 5];
        var groups = sizes.Select((rows, i) => ParquetTestData.Generate(seed: 100 + i, rows, firstId: sizes.Take(i).Sum())).ToList();
        var options = new ParquetWriteOptions { Compression = compression, FormatVersion = version, PageValueLimit = 50 };
        using var dir = new TempDir();
        var path = dir.File("all.parquet");

        ParquetFileWriter.WriteFile(path, ParquetTestData.AllKinds, groups, options);

        var reader = ParquetFileReader.Open(path);
        Assert.Equal(ParquetTestData.AllKinds, reader.Schema);
        Assert.Equal(sizes.Sum(), reader.RowCount);
        Assert.Equal(sizes.Length, reader.RowGroupCount);
        Assert.Equal(version, reader.FormatVersion);
        Assert.Equal("LongRopeSearch", reader.CreatedBy);
        for (var g = 0; g < groups.Count; g++)
        {
            Assert.Equal(sizes[g], reader.RowGroupRowCount(g));
            ParquetTestData.AssertSameRows(groups[g], reader.ReadRowGroup(g));
        }
        ParquetTestData.AssertSameRows(ParquetRowGroup.Concat(ParquetTestData.AllKinds, groups), reader.ReadAll());

        var expectedCodec = compression == ParquetCompression.Snappy ? CompressionCodec.Snappy : CompressionCodec.Uncompressed;
        Assert.All(reader.Metadata.RowGroups.SelectMany(g => g.Columns), c => Assert.Equal(expectedCodec, c.MetaData!.Codec));
        Assert.True(DataPageCount(reader, rowGroup: 2, column: "lambdas") > 1, "a 300-row group with limit 50 spans several pages");
    }

    [Fact]
    public void Many_rows_with_default_pages_round_trip()
    {
        // 60k rows in 3 row groups with the default page limit: multi-page chunks, long level runs (blocks of nulls,
        // stretches of empty lists) that the RLE runs of the level encoding must carry.
        var schema = new ParquetSchema(
            new ParquetColumn("id", ParquetColumnKind.Int64),
            new ParquetColumn("ppl", ParquetColumnKind.Double, IsOptional: true),
            new ParquetColumn("lambda", ParquetColumnKind.FloatList, IsOptional: true));
        var groups = Enumerable.Range(0, 3).Select(g =>
        {
            const int rows = 20_000;
            var ids = Enumerable.Range(0, rows).Select(i => (long)(g * rows + i)).ToArray();
            var ppl = ids.Select(id => id / 1000 % 3 == 0 ? null : (double?)(id * 0.5)).ToArray();
            var lambda = ids.Select(id => (id / 700 % 4) switch
            {
                0 => null,
                1 => [],
                _ => Enumerable.Range(0, (int)(id % 9)).Select(k => (float)(id + k)).ToArray(),
            }).ToArray();
            return new ParquetRowGroup(schema, rows).Set("id", ids).Set("ppl", ppl).Set("lambda", lambda);
        }).ToList();

        var reader = RoundTrip(schema, groups, new ParquetWriteOptions());

        Assert.Equal(60_000, reader.RowCount);
        for (var g = 0; g < groups.Count; g++)
        {
            var read = reader.ReadRowGroup(g);
            Assert.Equal(groups[g].Get<long>("id"), read.Get<long>("id"));
            Assert.Equal(groups[g].Get<double?>("ppl"), read.Get<double?>("ppl"));
            Assert.Equal(groups[g].Get<float[]>("lambda"), read.Get<float[]>("lambda"));
        }
    }

    [Fact]
    public void Edge_values_survive_exactly()
    {
        var schema = new ParquetSchema(
            new ParquetColumn("d", ParquetColumnKind.Double),
            new ParquetColumn("f", ParquetColumnKind.Float),
            new ParquetColumn("s", ParquetColumnKind.String, IsOptional: true),
            new ParquetColumn("l", ParquetColumnKind.DoubleList, IsOptional: true),
            new ParquetColumn("i", ParquetColumnKind.Int64));
        double[] doubles = [double.NaN, BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_1234), -0.0, double.NegativeInfinity];
        float[] floats = [float.NaN, -0f, float.Epsilon, float.MaxValue];
        string?[] strings = ["", null, "𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and \0 nul", new string('x', 70_000)];
        double[]?[] lists = [[], null, [double.NaN], []];
        long[] longs = [long.MinValue, long.MaxValue, 0, -1];
        var rows = new ParquetRowGroup(schema, 4).Set("d", doubles).Set("f", floats).Set("s", strings).Set("l", lists).Set("i", longs);

        var read = RoundTrip(schema, [rows], new ParquetWriteOptions { Compression = ParquetCompression.None }).ReadAll();

        Assert.Equal(ParquetTestData.Bits(doubles), ParquetTestData.Bits(read.Get<double>("d")));
        Assert.Equal(ParquetTestData.Bits(floats), ParquetTestData.Bits(read.Get<float>("f")));
        Assert.Equal(strings, read.Get<string>("s"));
        Assert.Equal(lists.Select(l => l is null ? null : ParquetTestData.Bits(l)), read.Get<double[]>("l").Select(l => l is null ? null : ParquetTestData.Bits(l)));
        Assert.Equal(longs, read.Get<long>("i"));
    }

    [Fact]
    public void Timestamps_are_floored_to_the_unit_and_read_back_as_utc()
    {
        var schema = new ParquetSchema(
            new ParquetColumn("ms", ParquetColumnKind.TimestampMillis),
            new ParquetColumn("us", ParquetColumnKind.TimestampMicros));
        var offsetZone = new DateTimeOffset(2024, 5, 6, 7, 8, 9, TimeSpan.FromHours(5)).AddTicks(1234567);
        var beforeEpoch = DateTimeOffset.UnixEpoch.AddTicks(-5); // half a microsecond before 1970
        var rows = new ParquetRowGroup(schema, 2).Set("ms", new[] { offsetZone, beforeEpoch }).Set("us", new[] { offsetZone, beforeEpoch });

        var reader = RoundTrip(schema, [rows], new ParquetWriteOptions());
        var ms = reader.ReadAll().Get<DateTimeOffset>("ms");
        var us = reader.ReadAll().Get<DateTimeOffset>("us");

        // 02:08:09 UTC + 0.1234567 s: floor to 0.123 s and 0.123456 s; -0.5 µs floors to -1 ms and -1 µs.
        var utcSecond = new DateTimeOffset(2024, 5, 6, 2, 8, 9, TimeSpan.Zero);
        Assert.Equal([utcSecond.AddTicks(1_230_000), DateTimeOffset.UnixEpoch.AddTicks(-10_000)], ms);
        Assert.Equal([utcSecond.AddTicks(1_234_560), DateTimeOffset.UnixEpoch.AddTicks(-10)], us);
        Assert.All(ms.Concat(us), t => Assert.Equal(TimeSpan.Zero, t.Offset));
    }

    [Fact]
    public void Key_value_metadata_and_statistics_are_in_the_footer()
    {
        var rows = ParquetTestData.Generate(seed: 7, rows: 200);
        var options = new ParquetWriteOptions { KeyValueMetadata = new Dictionary<string, string> { ["job_id"] = "job-42", ["code_version"] = "abc123" } };
        var reader = RoundTrip(ParquetTestData.AllKinds, [rows], options);

        Assert.Equal("job-42", reader.KeyValueMetadata["job_id"]);
        Assert.Equal("abc123", reader.KeyValueMetadata["code_version"]);

        var optI32 = rows.Get<int?>("opt_i32");
        var optStats = ChunkStats(reader, "opt_i32");
        Assert.Equal(optI32.Count(v => v is null), optStats.NullCount);
        Assert.Equal(optI32.Min(), BinaryPrimitives.ReadInt32LittleEndian(optStats.MinValue));
        Assert.Equal(optI32.Max(), BinaryPrimitives.ReadInt32LittleEndian(optStats.MaxValue));
        Assert.Equal(ParquetTestData.AllKinds.Columns.Count, reader.Metadata.TypeDefinedColumnOrders);
    }

    [Fact]
    public void Floating_point_bounds_follow_the_zero_rule_and_are_omitted_when_a_nan_is_present()
    {
        var schema = new ParquetSchema(
            new ParquetColumn("d", ParquetColumnKind.Double),
            new ParquetColumn("f", ParquetColumnKind.Float, IsOptional: true),
            new ParquetColumn("n", ParquetColumnKind.Double));
        var rows = new ParquetRowGroup(schema, 4)
            .Set("d", new[] { 2.5, 0.0, 1e300, 7.0 })
            .Set("f", new float?[] { -3.5f, null, -0f, null })
            .Set("n", new[] { 1.0, double.NaN, 2.0, 3.0 });
        var reader = RoundTrip(schema, [rows], new ParquetWriteOptions());

        var d = ChunkStats(reader, "d");
        Assert.Equal(ParquetTestData.Bits(-0.0), ParquetTestData.Bits(BinaryPrimitives.ReadDoubleLittleEndian(d.MinValue))); // zero minimum → -0
        Assert.Equal(1e300, BinaryPrimitives.ReadDoubleLittleEndian(d.MaxValue));
        var f = ChunkStats(reader, "f");
        Assert.Equal(2, f.NullCount);
        Assert.Equal(-3.5f, BinaryPrimitives.ReadSingleLittleEndian(f.MinValue));
        Assert.Equal(ParquetTestData.Bits(0f), ParquetTestData.Bits(BinaryPrimitives.ReadSingleLittleEndian(f.MaxValue))); // zero maximum → +0
        var n = ChunkStats(reader, "n");
        Assert.Equal(0, n.NullCount);
        Assert.Null(n.MinValue);
        Assert.Null(n.MaxValue);
    }

    [Fact]
    public void Chunk_metadata_describes_the_bytes_written()
    {
        var reader = RoundTrip(ParquetTestData.AllKinds, [ParquetTestData.Generate(1, 64), ParquetTestData.Generate(2, 10)], new ParquetWriteOptions());
        long expectedOffset = 4; // chunks follow "PAR1" back to back, in schema order
        foreach (var rowGroup in reader.Metadata.RowGroups)
        {
            Assert.Equal(expectedOffset, rowGroup.FileOffset);
            foreach (var (chunk, layout) in rowGroup.Columns.Zip(reader.Layouts))
            {
                var meta = chunk.MetaData!;
                Assert.Equal(expectedOffset, meta.DataPageOffset);
                Assert.Equal(layout.Path, meta.PathInSchema);
                Assert.Contains(PageEncoding.Plain, meta.Encodings);
                Assert.Equal(layout.Column.IsOptional || layout.Column.IsList, meta.Encodings.Contains(PageEncoding.Rle));
                expectedOffset += meta.TotalCompressedSize;
            }
            Assert.Equal(expectedOffset - rowGroup.FileOffset, rowGroup.TotalCompressedSize);
        }
        var footerLength = BinaryPrimitives.ReadInt32LittleEndian(reader.Bytes[^8..^4]);
        Assert.Equal(reader.Bytes.Length, expectedOffset + footerLength + 8);
    }

    [Fact]
    public void Misuse_is_an_argument_error_naming_the_column()
    {
        var schema = new ParquetSchema(new ParquetColumn("a", ParquetColumnKind.String), new ParquetColumn("l", ParquetColumnKind.FloatList));
        var rows = new ParquetRowGroup(schema, 2);
        Assert.Contains("'a'", Assert.Throws<ArgumentException>(() => rows.Set("a", new string?[] { "x", null })).Message);
        Assert.Contains("'l'", Assert.Throws<ArgumentException>(() => rows.Set("l", new float[]?[] { [], null })).Message);
        Assert.Contains("String[]", Assert.Throws<ArgumentException>(() => rows.Set("a", new[] { 1, 2 })).Message);
        Assert.Contains("3 values", Assert.Throws<ArgumentException>(() => rows.Set("a", new[] { "x", "y", "z" })).Message);
        Assert.Throws<ArgumentException>(() => new ParquetSchema(new ParquetColumn("a", ParquetColumnKind.Int32), new ParquetColumn("a", ParquetColumnKind.Int64)));
        rows.Set("a", new[] { "x", "y" });
        using var stream = new MemoryStream();
        var writer = new ParquetFileWriter(stream, schema);
        Assert.Throws<ArgumentException>(() => writer.WriteRowGroup(rows)); // column "l" not set
    }

    [Fact]
    public void Optional_column_accepts_a_non_nullable_array_and_returns_nullable_values()
    {
        var schema = new ParquetSchema(new ParquetColumn("x", ParquetColumnKind.Double, IsOptional: true));
        var rows = new ParquetRowGroup(schema, 2).Set("x", new[] { 1.5, 2.5 });
        Assert.Equal(new double?[] { 1.5, 2.5 }, rows.Get<double?>("x"));
        Assert.Equal(new double?[] { 1.5, 2.5 }, RoundTrip(schema, [rows], new ParquetWriteOptions()).ReadAll().Get<double?>("x"));
    }

    internal static ParquetFileReader RoundTrip(ParquetSchema schema, IEnumerable<ParquetRowGroup> groups, ParquetWriteOptions options)
    {
        using var stream = new MemoryStream();
        var writer = new ParquetFileWriter(stream, schema, options);
        foreach (var g in groups) writer.WriteRowGroup(g);
        writer.Finish();
        return new ParquetFileReader(stream.ToArray(), "memory.parquet");
    }

    private static Statistics ChunkStats(ParquetFileReader reader, string column) =>
        reader.Metadata.RowGroups[0].Columns[reader.Schema.IndexOf(column)].MetaData!.Statistics!;

    /// <summary>Walks a chunk's page headers independently of the reader's page loop.</summary>
    private static int DataPageCount(ParquetFileReader reader, int rowGroup, string column)
    {
        var meta = reader.Metadata.RowGroups[rowGroup].Columns[reader.Schema.IndexOf(column)].MetaData!;
        var position = meta.DataPageOffset;
        var pages = 0;
        while (position < meta.DataPageOffset + meta.TotalCompressedSize)
        {
            var header = ParquetMetadataDecoder.DecodePageHeader(reader.Bytes[(int)position..], "test", "page", out var length);
            Assert.Equal(PageType.DataPage, header.Type);
            position += length + header.CompressedPageSize;
            pages++;
        }
        Assert.Equal(meta.DataPageOffset + meta.TotalCompressedSize, position);
        return pages;
    }
}
