using System.ComponentModel;
using System.Diagnostics;
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
    private const string InstallHint =
        "install Node.js (20 or later) and run `npm ci --prefix tests/LongRopeSearch.Store.Tests/duckdb` from the repository root";

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

        using var result = RunDuckDb(path);
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

        using var result = RunDuckDb(path, "ppl > 6");

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
        float f => SameDouble(f, json),
        double d => SameDouble(d, json),
        DateTimeOffset t => json.GetString() is { } text && ParseUtc(text) == t.UtcTicks,
        float[] list => json.ValueKind == JsonValueKind.Array && list.Length == json.GetArrayLength() &&
                        list.Zip(json.EnumerateArray()).All(p => SameDouble(p.First, p.Second)),
        double[] list => json.ValueKind == JsonValueKind.Array && list.Length == json.GetArrayLength() &&
                         list.Zip(json.EnumerateArray()).All(p => SameDouble(p.First, p.Second)),
        _ => false,
    };

    private static bool SameDouble(double expected, JsonElement json)
    {
        if (json.ValueKind == JsonValueKind.String)
        {
            return json.GetString() switch
            {
                "NaN" => double.IsNaN(expected),
                "Infinity" => double.IsPositiveInfinity(expected),
                "-Infinity" => double.IsNegativeInfinity(expected),
                _ => false,
            };
        }
        // JSON has no -0: DuckDB prints it as 0, which compares equal to -0 here.
        return json.ValueKind == JsonValueKind.Number && json.GetDouble() == expected;
    }

    /// <summary>"2024-01-02 03:04:05.123456+00" (fraction optional, zone pinned to UTC by the script) → UTC ticks.</summary>
    private static long ParseUtc(string text)
    {
        Assert.EndsWith("+00", text);
        var local = DateTime.ParseExact(text[..^3], ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ss.FFFFFF"], CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);
        return local.Ticks;
    }

    private static JsonDocument RunDuckDb(string parquetPath, string? wherePredicate = null)
    {
        var scriptDir = RepoPaths.Combine("tests", "LongRopeSearch.Store.Tests", "duckdb");
        if (!Directory.Exists(Path.Combine(scriptDir, "node_modules", "@duckdb", "node-api")))
        {
            Assert.Fail($"the DuckDB interop reader is not installed in {scriptDir}: {InstallHint}");
        }
        var start = new ProcessStartInfo("node")
        {
            WorkingDirectory = scriptDir,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("read_parquet.mjs");
        start.ArgumentList.Add(parquetPath);
        if (wherePredicate is not null) start.ArgumentList.Add(wherePredicate);
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("node did not start");
        }
        catch (Win32Exception e)
        {
            Assert.Fail($"cannot run node ({e.Message}): {InstallHint}");
            throw;
        }
        using (process)
        {
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
            {
                process.Kill(entireProcessTree: true);
                Assert.Fail("node read_parquet.mjs did not finish within 2 minutes");
            }
            Assert.True(process.ExitCode == 0, $"DuckDB could not read {parquetPath} (exit {process.ExitCode}): {stderr.Result}");
            return JsonDocument.Parse(stdout);
        }
    }
}
