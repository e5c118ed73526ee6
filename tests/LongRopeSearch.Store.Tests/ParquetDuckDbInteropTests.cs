using System.Globalization;
using System.Text.Json;
using LongRopeSearch.Store.Parquet;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Store.Tests;

/// <summary>
/// Files from our writer, read by an independent implementation: DuckDB (npm @duckdb/node-api) through
/// duckdb/read_parquet.mjs. A missing node or npm package FAILS the test with the command that installs it,
/// because a skipped interop test would let an unreadable writer pass CI.
/// </summary>
public sealed class ParquetDuckDbInteropTests
{
    private static readonly Dictionary<ParquetColumnKind, string> DuckDbTypes = new()
    {
        [ParquetColumnKind.Int32] = "INTEGER",
        [ParquetColumnKind.Int64] = "BIGINT",
        [ParquetColumnKind.Float] = "FLOAT",
        [ParquetColumnKind.Double] = "DOUBLE",
        [ParquetColumnKind.Boolean] = "BOOLEAN",
        [ParquetColumnKind.String] = "VARCHAR",
        [ParquetColumnKind.TimestampMillis] = "TIMESTAMP WITH TIME ZONE", // isAdjustedToUTC = true
        [ParquetColumnKind.TimestampMicros] = "TIMESTAMP WITH TIME ZONE",
        [ParquetColumnKind.FloatList] = "FLOAT[]",
        [ParquetColumnKind.DoubleList] = "DOUBLE[]",
    };

    [Theory]
    [InlineData(ParquetCompression.None)]
    [InlineData(ParquetCompression.Snappy)]
    public void DuckDb_reads_the_same_types_and_values(ParquetCompression compression)
    {
        var groups = new[] { ParquetTestData.Generate(seed: 21, rows: 40), ParquetTestData.Generate(seed: 22, rows: 25, firstId: 40) };
        using var dir = new TempDir();
        var path = dir.File($"interop-{compression}.parquet");
        var options = new ParquetWriteOptions { Compression = compression, PageValueLimit = 16 };
        ParquetFileWriter.WriteFile(path, ParquetTestData.AllKinds, groups, options);

        using var result = DuckDbReader.Read(path);
        var root = result.RootElement;

        var describe = root.GetProperty("describe").EnumerateArray()
            .Select(c => (c.GetProperty("column_name").GetString() ?? "", c.GetProperty("column_type").GetString() ?? "")).ToList();
        Assert.Equal(ParquetTestData.AllKinds.Columns.Select(c => (c.Name, DuckDbTypes[c.Kind])), describe);

        var expected = ParquetRowGroup.Concat(ParquetTestData.AllKinds, groups);
        Assert.Equal(expected.RowCount, root.GetProperty("count").GetInt32());
        var rows = root.GetProperty("rows").EnumerateArray().OrderBy(r => long.Parse(r.GetProperty("id").GetString()!, CultureInfo.InvariantCulture)).ToList();
        Assert.Equal(expected.RowCount, rows.Count);
        foreach (var column in ParquetTestData.AllKinds.Columns)
        {
            var actual = rows.Select(r => r.GetProperty(column.Name)).ToList();
            AssertColumn(column, expected, actual);
        }
    }

    [Fact]
    public void DuckDb_statistics_pruning_keeps_nan_rows()
    {
        // DuckDB orders NaN above every number, so NaN > 6 holds; a chunk max of 5 must not make it skip the NaN.
        var schema = new ParquetSchema(new ParquetColumn("ppl", ParquetColumnKind.Double), new ParquetColumn("g", ParquetColumnKind.Int32));
        double[][] groups = [[1, 2, 3], [double.NaN, 4, 5], [7, 8, 9]];
        var expected = groups.SelectMany(g => g).Count(v => double.IsNaN(v) || v > 6);
        using var dir = new TempDir();
        var path = dir.File("nan.parquet");
        ParquetFileWriter.WriteFile(path, schema, groups.Select((values, i) => new ParquetRowGroup(schema, values.Length).Set("ppl", values).Set("g", Enumerable.Repeat(i, values.Length).ToArray())));

        using var result = DuckDbReader.Read(path, "ppl > 6");

        Assert.Equal(expected, result.RootElement.GetProperty("filtered_count").GetInt32());
    }

    private static void AssertColumn(ParquetColumn column, ParquetRowGroup expected, List<JsonElement> actual)
    {
        var name = column.Name;
        IEnumerable<object?> want = column.Kind switch
        {
            ParquetColumnKind.Int32 => column.IsOptional ? expected.Get<int?>(name).Cast<object?>() : expected.Get<int>(name).Cast<object?>(),
            ParquetColumnKind.Int64 => column.IsOptional ? expected.Get<long?>(name).Cast<object?>() : expected.Get<long>(name).Cast<object?>(),
            ParquetColumnKind.Float => column.IsOptional ? expected.Get<float?>(name).Cast<object?>() : expected.Get<float>(name).Cast<object?>(),
            ParquetColumnKind.Double => column.IsOptional ? expected.Get<double?>(name).Cast<object?>() : expected.Get<double>(name).Cast<object?>(),
            ParquetColumnKind.Boolean => column.IsOptional ? expected.Get<bool?>(name).Cast<object?>() : expected.Get<bool>(name).Cast<object?>(),
            ParquetColumnKind.String => expected.Get<string>(name),
            ParquetColumnKind.TimestampMillis or ParquetColumnKind.TimestampMicros => column.IsOptional
                ? expected.Get<DateTimeOffset?>(name).Cast<object?>()
                : expected.Get<DateTimeOffset>(name).Cast<object?>(),
            ParquetColumnKind.FloatList => expected.Get<float[]>(name),
            ParquetColumnKind.DoubleList => expected.Get<double[]>(name),
            _ => throw new ArgumentOutOfRangeException(nameof(column)),
        };
        var row = 0;
        foreach (var (value, json) in want.Zip(actual))
        {
            var where = $"column '{name}' row {row++}: expected {value}, DuckDB gave {json}";
            Assert.True(Matches(value, json), where);
        }
    }

    /// <summary>DuckDB's JSON: BIGINT and TIMESTAMPTZ as strings, NaN/±Infinity as strings, other numbers as numbers.</summary>
    private static bool Matches(object? expected, JsonElement json) => expected switch
    {
        null => json.ValueKind == JsonValueKind.Null,
        int i => json.ValueKind == JsonValueKind.Number && json.GetInt64() == i,
        long l => json.GetString() == l.ToString(CultureInfo.InvariantCulture),
        bool b => json.ValueKind == (b ? JsonValueKind.True : JsonValueKind.False),
        string s => json.GetString() == s,
        // FLOAT reaches JSON widened to double, so the printed double must be exactly the widened float.
        float f => DuckDbReader.SameDouble(f, json),
        double d => DuckDbReader.SameDouble(d, json),
        DateTimeOffset t => json.GetString() is { } text && DuckDbReader.UtcTicks(text) == t.UtcTicks,
        float[] list => DuckDbReader.SameDoubles(Array.ConvertAll(list, v => (double)v), json),
        double[] list => DuckDbReader.SameDoubles(list, json),
        _ => false,
    };
}
