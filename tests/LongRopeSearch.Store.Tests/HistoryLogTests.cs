using System.Buffers.Binary;
using LongRopeSearch.Core;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Parquet;
using Parquet.Schema;
using Xunit;

namespace LongRopeSearch.Store.Tests;

/// <summary>
/// history.parquet through <see cref="HistoryLog"/>: every column round-trips, one row group per append, earlier
/// groups' bytes never change, the resume cut (TruncateTo) keeps exactly the committed rows and refuses a history that
/// lost rows the checkpoint counts on, and foreign or damaged files are refused without being touched.
/// </summary>
public sealed class HistoryLogTests
{
    [Fact]
    public void Every_column_round_trips_with_one_row_group_per_append()
    {
        using var dir = new TempDir();
        var log = new HistoryLog(dir.File("history.parquet"));
        var generations = new[] { HistoryTestRows.Generation(0, 9), HistoryTestRows.Generation(1, 1, 100), HistoryTestRows.Generation(2, 17, 200) };
        foreach (var g in generations) log.Append(g);

        var written = generations.SelectMany(g => g).ToList();
        var read = HistoryLog.ReadAll(log.Path);
        Assert.Equal(written.Count, read.Count);
        for (int i = 0; i < written.Count; i++)
        {
            // The file keeps milliseconds of the timestamp; every other value exactly (Text is round-trip exact).
            var expected = written[i] with { Timestamp = Millisecond(written[i].Timestamp) };
            foreach (var c in HistorySchema.Columns)
                Assert.True(c.Text(expected) == c.Text(read[i]), $"row {i} column {c.Name}: wrote {c.Text(expected)}, read {c.Text(read[i])}");
        }
        Assert.Equal([9L, 1L, 17L], RowGroups(log.Path));
    }

    [Fact]
    public void Appending_leaves_the_earlier_row_groups_bytes_as_they_were()
    {
        using var dir = new TempDir();
        var log = new HistoryLog(dir.File("history.parquet"));
        log.Append(HistoryTestRows.Generation(0, 12));
        var before = File.ReadAllBytes(log.Path);
        log.Append(HistoryTestRows.Generation(1, 5, 50));
        var after = File.ReadAllBytes(log.Path);

        // Data pages end where the footer starts: [magic][row groups][footer][footer length][magic].
        int dataEnd = before.Length - 8 - BinaryPrimitives.ReadInt32LittleEndian(before.AsSpan(before.Length - 8));
        Assert.True(after.Length > before.Length);
        Assert.True(before.AsSpan(0, dataEnd).SequenceEqual(after.AsSpan(0, dataEnd)), "the first row group's bytes changed");
    }

    [Fact]
    public void An_empty_append_writes_nothing()
    {
        using var dir = new TempDir();
        var log = new HistoryLog(dir.File("history.parquet"));
        log.Append([]);
        Assert.False(File.Exists(log.Path));
        log.Append(HistoryTestRows.Generation(0, 3));
        var bytes = File.ReadAllBytes(log.Path);
        log.Append([]);
        Assert.Equal(bytes, File.ReadAllBytes(log.Path));
    }

    [Fact]
    public void Footer_metadata_is_kept_and_updated_across_appends()
    {
        using var dir = new TempDir();
        var path = dir.File("history.parquet");
        new HistoryLog(path, new Dictionary<string, string> { ["job_id"] = "a", ["model"] = "m1" }).Append(HistoryTestRows.Generation(0, 2));
        new HistoryLog(path, new Dictionary<string, string> { ["model"] = "m2", ["code_version"] = "v" }).Append(HistoryTestRows.Generation(1, 2, 10));
        var metadata = HistoryLog.ReadMetadata(path);
        Assert.Equal("a", metadata["job_id"]);
        Assert.Equal("m2", metadata["model"]);
        Assert.Equal("v", metadata["code_version"]);
    }

    [Fact]
    public void Cutting_back_to_a_generation_gives_the_file_as_it_was_after_that_generation()
    {
        using var dir = new TempDir();
        var log = new HistoryLog(dir.File("history.parquet"), new Dictionary<string, string> { ["job_id"] = "j" });
        log.Append(HistoryTestRows.Generation(0, 6));
        log.Append(HistoryTestRows.Generation(1, 4, 10));
        var afterTwo = File.ReadAllBytes(log.Path);
        var rowsAfterTwo = HistoryLog.ReadAll(log.Path).Select(r => r.DeterministicText() + r.Seconds + r.Timestamp.UtcTicks).ToList();
        log.Append(HistoryTestRows.Generation(2, 7, 20));
        log.Append(HistoryTestRows.Generation(3, 2, 30));

        log.TruncateTo(10);

        Assert.Equal(rowsAfterTwo, HistoryLog.ReadAll(log.Path).Select(r => r.DeterministicText() + r.Seconds + r.Timestamp.UtcTicks).ToList());
        Assert.Equal([6L, 4L], RowGroups(log.Path));
        Assert.Equal("j", HistoryLog.ReadMetadata(log.Path)["job_id"]);
        Assert.Equal(afterTwo, File.ReadAllBytes(log.Path)); // Parquet.Net writes the same values to the same bytes
        log.TruncateTo(10); // nothing past the committed rows: untouched
        Assert.Equal(afterTwo, File.ReadAllBytes(log.Path));
    }

    [Fact]
    public void Cutting_to_zero_rows_leaves_an_empty_history_and_a_missing_file_with_nothing_committed_is_fine()
    {
        using var dir = new TempDir();
        var log = new HistoryLog(dir.File("history.parquet"));
        log.TruncateTo(0);
        Assert.False(File.Exists(log.Path));
        log.Append(HistoryTestRows.Generation(0, 3));
        log.TruncateTo(0);
        Assert.Empty(HistoryLog.ReadAll(log.Path));
    }

    [Fact]
    public void A_missing_history_with_committed_rows_is_refused_naming_the_file_and_the_count()
    {
        using var dir = new TempDir();
        var log = new HistoryLog(dir.File("history.parquet"));
        var e = Assert.Throws<InputException>(() => log.TruncateTo(24));
        Assert.Equal(log.Path, e.Origin);
        Assert.Contains("24 history rows", e.Expected, StringComparison.Ordinal);
        Assert.Contains("history_rows_committed", e.Expected, StringComparison.Ordinal);
        Assert.StartsWith("no such file", e.Found, StringComparison.Ordinal);
        Assert.False(File.Exists(log.Path));
    }

    [Fact]
    public void A_history_shorter_than_committed_is_refused_and_left_as_it_is()
    {
        using var dir = new TempDir();
        var log = new HistoryLog(dir.File("history.parquet"));
        log.Append(HistoryTestRows.Generation(0, 8));
        var bytes = File.ReadAllBytes(log.Path);
        var e = Assert.Throws<InputException>(() => log.TruncateTo(20));
        Assert.Contains("20 history rows", e.Expected, StringComparison.Ordinal);
        Assert.StartsWith("8 rows", e.Found, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(log.Path));
    }

    [Fact]
    public void A_cut_inside_a_row_group_is_refused()
    {
        using var dir = new TempDir();
        var log = new HistoryLog(dir.File("history.parquet"));
        log.Append(HistoryTestRows.Generation(0, 5));
        log.Append(HistoryTestRows.Generation(1, 5, 10));
        var bytes = File.ReadAllBytes(log.Path);
        var e = Assert.Throws<InputException>(() => log.TruncateTo(7));
        Assert.Contains("5, 5", e.Found, StringComparison.Ordinal);
        Assert.Equal(bytes, File.ReadAllBytes(log.Path));
    }

    [Fact]
    public async Task A_file_with_other_columns_is_refused_by_every_operation_and_left_untouched()
    {
        using var dir = new TempDir();
        var path = dir.File("history.parquet");
        var field = new DataField<int>("x");
        await using (var stream = File.Create(path))
        {
            await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema(field), stream);
            using var group = writer.CreateRowGroup();
            await group.WriteAsync<int>(field, new[] { 1, 2 }.AsMemory());
        }
        var bytes = File.ReadAllBytes(path);
        var log = new HistoryLog(path);

        foreach (var action in new Action[] { () => log.Append(HistoryTestRows.Generation(0, 2)), () => log.TruncateTo(0), () => HistoryLog.ReadAll(path) })
        {
            var e = Assert.Throws<InputException>(action);
            Assert.Equal(Path.GetFullPath(path), e.Origin);
            Assert.Equal("schema", e.Field);
            Assert.Contains("job_id", e.Expected, StringComparison.Ordinal);
        }
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void Damaged_files_are_refused_as_input_errors_naming_the_file_and_left_untouched()
    {
        using var dir = new TempDir();
        var path = dir.File("history.parquet");
        var log = new HistoryLog(path);
        log.Append(HistoryTestRows.Generation(0, 6));
        log.Append(HistoryTestRows.Generation(1, 6, 10));
        var good = File.ReadAllBytes(path);

        var damaged = new List<byte[]> { Array.Empty<byte>(), good[..4], good[..(good.Length / 2)], good[..^1], "not a parquet file at all"u8.ToArray() };
        var random = new Random(20261122);
        for (int i = 0; i < 150; i++)
        {
            var copy = (byte[])good.Clone();
            for (int k = random.Next(1, 4); k > 0; k--) copy[random.Next(copy.Length)] ^= (byte)random.Next(1, 256);
            damaged.Add(copy);
        }

        int refused = 0;
        for (int i = 0; i < damaged.Count; i++)
        {
            var bytes = damaged[i];
            File.WriteAllBytes(path, bytes);
            // Either the damage is caught (one InputException naming the file) or, where it hit bytes no reader checks
            // (a value inside a page), the file still reads; never another exception.
            try
            {
                HistoryLog.ReadAll(path);
            }
            catch (InputException e)
            {
                Assert.Equal(path, e.Origin);
                refused++;
            }
            // Append decodes only the footer (old pages are copied, not re-read): a damaged footer is refused with the
            // file untouched; damage inside old pages is carried over as it is, never made worse.
            try
            {
                log.Append(HistoryTestRows.Generation(2, 1, 99));
                Assert.True(i >= 5, $"damaged file {i} (a cut or garbage) was appended to");
            }
            catch (InputException e)
            {
                Assert.Equal(path, e.Origin);
                Assert.Equal(bytes, File.ReadAllBytes(path));
            }
        }
        Assert.True(refused >= 5, $"only {refused} of {damaged.Count} damaged files were refused");
    }

    [Fact]
    public void Deterministic_text_ignores_only_the_wall_clock_columns()
    {
        var row = HistoryTestRows.Generation(0, 3)[2];
        Assert.Equal(["seconds", "timestamp"], HistorySchema.Columns.Where(c => !c.Deterministic).Select(c => c.Name));
        Assert.Equal(row.DeterministicText(), (row with { Seconds = 99, Timestamp = DateTimeOffset.UnixEpoch }).DeterministicText());
        HistoryRow[] changed =
        [
            row with { JobId = "other" }, row with { Generation = 1 }, row with { Ppl = BitIncrement(row.Ppl) },
            row with { Lambda = [.. row.Lambda.Take(row.Lambda.Length - 1), BitIncrement(row.Lambda[^1])] },
            row with { PerSampleNll = [] }, row with { Abandoned = !row.Abandoned }, row with { AttentionFactor = 0.0 },
            row with { Tokens = row.Tokens + 1 }, row with { Flops = BitIncrement(row.Flops) },
        ];
        foreach (var other in changed) Assert.NotEqual(row.DeterministicText(), other.DeterministicText());
        Assert.NotEqual((row with { MeanNll = 0.0 }).DeterministicText(), (row with { MeanNll = -0.0 }).DeterministicText());

        static double BitIncrement(double v) => Math.BitIncrement(v);
    }

    [Fact]
    public void A_history_written_before_the_cost_columns_reads_with_zero_cost_and_is_rewritten_whole_at_the_next_append()
    {
        // A real file of the shipped results, written by the version before tokens and flops were columns.
        using var dir = new TempDir();
        var path = dir.File("history.parquet");
        File.Copy(RepoPaths.Combine("docs", "results", "long-targets", "job", "history.parquet"), path);
        Assert.DoesNotContain(DuckDbReader.Read(path).Describe, d => d.Name is "tokens" or "flops");
        var before = HistoryLog.ReadAll(path);
        Assert.NotEmpty(before);
        Assert.All(before, r => Assert.True(r.Tokens == 0 && r.Flops == 0));
        var groups = RowGroups(path);
        var metadata = HistoryLog.ReadMetadata(path);

        var added = HistoryTestRows.Generation(9, 4, 10_000);
        new HistoryLog(path, new Dictionary<string, string> { ["code_version"] = "new" }).Append(added);

        var after = HistoryLog.ReadAll(path);
        Assert.Equal(before.Count + added.Count, after.Count);
        for (int i = 0; i < before.Count; i++) Assert.Equal(before[i].DeterministicText(), after[i].DeterministicText());
        for (int i = 0; i < added.Count; i++)
            Assert.Equal((added[i] with { Timestamp = Millisecond(added[i].Timestamp) }).DeterministicText(), after[before.Count + i].DeterministicText());
        // Read back independently: the current columns, the old row groups kept as groups, the metadata merged.
        Assert.Equal(HistorySchema.Columns.Select(c => (c.Name, c.SqlType)), DuckDbReader.Read(path).Describe);
        Assert.Equal([.. groups, 4L], RowGroups(path));
        var merged = HistoryLog.ReadMetadata(path);
        Assert.Equal(metadata["job_id"], merged["job_id"]);
        Assert.Equal("new", merged["code_version"]);
    }

    private static DateTimeOffset Millisecond(DateTimeOffset t) =>
        new(t.UtcTicks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    private static List<long> RowGroups(string path) => DuckDbReader.RowGroupSizes(path).ToList();
}
