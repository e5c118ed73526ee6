using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Store.Tests;

/// <summary>
/// history.parquet read by an independent implementation, DuckDB (in-process): the columns and SQL types of
/// <see cref="HistorySchema"/>, the row count, one row group per append, the footer metadata, the timestamp's
/// logical type, and every value of every row as written (NaN, ±Infinity, −0, empty lists and non-ASCII text included).
/// </summary>
public sealed class HistoryDuckDbTests
{
    [Fact]
    public void DuckDb_reads_every_column_and_value_that_was_written()
    {
        using var dir = new TempDir();
        var log = new HistoryLog(dir.File("history.parquet"), new Dictionary<string, string> { ["job_id"] = "job-ß-✓", ["model"] = "/m" });
        var generations = new[] { HistoryTestRows.Generation(0, 11), HistoryTestRows.Generation(1, 3, 1000), HistoryTestRows.Generation(2, 8, 2000) };
        foreach (var g in generations) log.Append(g);
        var written = generations.SelectMany(g => g).ToList();

        var duck = DuckDbReader.Read(log.Path);

        Assert.Equal(HistorySchema.Columns.Select(c => (c.Name, c.SqlType)), duck.Describe);
        Assert.Equal(written.Count, duck.Count);
        Assert.Equal(written.Count, duck.Rows.Count);
        // DuckDB scans a single file's row groups in order; no ORDER BY needed (and candidate ids are not unique here).
        for (int i = 0; i < written.Count; i++)
        {
            foreach (var c in HistorySchema.Columns)
            {
                var expected = c.Value(written[i]);
                var actual = duck.Rows[i][c.Name];
                Assert.True(DuckDbReader.Same(expected, actual), $"row {i} column {c.Name}: wrote {DuckDbReader.Show(expected)}, DuckDB read {DuckDbReader.Show(actual)}");
            }
        }
        Assert.Equal([11L, 3L, 8L], DuckDbReader.RowGroupSizes(log.Path));
        var metadata = DuckDbReader.KeyValueMetadata(log.Path);
        Assert.Equal("job-ß-✓", metadata["job_id"]);
        Assert.Equal("/m", metadata["model"]);
    }

    [Fact]
    public void The_timestamp_is_an_int64_utc_millisecond_timestamp_and_lists_are_standard_three_level_lists()
    {
        using var dir = new TempDir();
        var log = new HistoryLog(dir.File("history.parquet"));
        log.Append(HistoryTestRows.Generation(0, 2));
        // Elements in depth-first order; "list" and "element" occur once per list column, the first belongs to lambda.
        var schema = DuckDbReader.Schema(log.Path).GroupBy(e => (string)e["name"]!).ToDictionary(g => g.Key, g => g.First());

        var ts = schema["timestamp"];
        Assert.Equal("INT64", ts["type"]);
        Assert.Equal("REQUIRED", ts["repetition_type"]);
        Assert.StartsWith("TimestampType(isAdjustedToUTC=1, unit=TimeUnit(MILLIS=", (string)ts["logical_type"]!, StringComparison.Ordinal);

        Assert.Equal("ListType()", schema["lambda"]["logical_type"]);
        Assert.Equal("REPEATED", schema["list"]["repetition_type"]);
        Assert.Equal("DOUBLE", schema["element"]["type"]);
        Assert.Equal("StringType()", schema["job_id"]["logical_type"]);
    }

    [Fact]
    public void Docs_history_md_describes_every_column_with_its_duckdb_type_and_determinism()
    {
        var rows = File.ReadAllLines(RepoPaths.Combine("docs", "history.md"))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .ToDictionary(c => c[1].Trim('`'));
        Assert.Equal(HistorySchema.Columns.Select(c => c.Name), rows.Keys);
        foreach (var c in HistorySchema.Columns)
        {
            Assert.Equal(c.SqlType, rows[c.Name][3]);
            Assert.Equal(c.Deterministic ? "yes" : "**no**", rows[c.Name][4]);
        }
    }
}
