using System.Collections;
using System.Globalization;
using DuckDB.NET.Data;

namespace LongRopeSearch.TestSupport;

/// <summary>What DuckDB makes of a Parquet file: DESCRIBE's (name, type) pairs, count(*), and every row by column name.</summary>
public sealed record DuckDbTable(
    IReadOnlyList<(string Name, string Type)> Describe,
    long Count,
    IReadOnlyList<IReadOnlyDictionary<string, object?>> Rows);

/// <summary>
/// Reads Parquet files with an independent implementation, DuckDB (in-process through DuckDB.NET, native library
/// from the DuckDB.NET.Data.Full package), for the interoperability tests. Values come back as DuckDB.NET gives them:
/// VARCHAR string, INTEGER int, BIGINT long, DOUBLE double, BOOLEAN bool, DOUBLE[] List&lt;double&gt;,
/// TIMESTAMP WITH TIME ZONE a DateTime holding the UTC instant; NULL is null.
/// </summary>
public static class DuckDbReader
{
    public static DuckDbTable Read(string parquetPath)
    {
        using var connection = Open();
        var from = From(parquetPath);
        var describe = Query(connection, $"DESCRIBE SELECT * FROM {from}")
            .Select(r => ((string)r["column_name"]!, (string)r["column_type"]!)).ToList();
        var count = (long)Query(connection, $"SELECT count(*) AS n FROM {from}")[0]["n"]!;
        return new DuckDbTable(describe, count, Query(connection, $"SELECT * FROM {from}"));
    }

    /// <summary>The file's schema elements as DuckDB's parquet_schema() lists them (name, type, repetition_type, logical_type, ...).</summary>
    public static IReadOnlyList<IReadOnlyDictionary<string, object?>> Schema(string parquetPath)
    {
        using var connection = Open();
        return Query(connection, $"SELECT * FROM parquet_schema({Literal(parquetPath)})");
    }

    /// <summary>Rows per row group, in file order (DuckDB's parquet_metadata()).</summary>
    public static IReadOnlyList<long> RowGroupSizes(string parquetPath)
    {
        using var connection = Open();
        return Query(connection, $"SELECT DISTINCT row_group_id, row_group_num_rows FROM parquet_metadata({Literal(parquetPath)}) ORDER BY row_group_id")
            .Select(r => (long)r["row_group_num_rows"]!).ToList();
    }

    /// <summary>The footer's key/value metadata (DuckDB's parquet_kv_metadata()).</summary>
    public static IReadOnlyDictionary<string, string> KeyValueMetadata(string parquetPath)
    {
        using var connection = Open();
        return Query(connection, $"SELECT key, value FROM parquet_kv_metadata({Literal(parquetPath)})")
            .ToDictionary(r => Utf8(r["key"]), r => Utf8(r["value"]));

        static string Utf8(object? blob) => blob is byte[] b ? System.Text.Encoding.UTF8.GetString(b) : (string)blob!;
    }

    /// <summary>
    /// Whether DuckDB's <paramref name="actual"/> is the value <paramref name="expected"/> that was written: strings,
    /// integers and booleans equal; doubles bit for bit (any NaN matches NaN; −0 is not 0); lists element by
    /// element; a DateTimeOffset matches the UTC DateTime DuckDB returns at the millisecond (the unit the file
    /// stores: the writer drops sub-millisecond ticks).
    /// </summary>
    public static bool Same(object expected, object? actual) => (expected, actual) switch
    {
        (string e, string a) => string.Equals(e, a, StringComparison.Ordinal),
        (int e, int a) => e == a,
        (long e, long a) => e == a,
        (bool e, bool a) => e == a,
        (double e, double a) => double.IsNaN(e) ? double.IsNaN(a) : BitConverter.DoubleToInt64Bits(e) == BitConverter.DoubleToInt64Bits(a),
        (double[] e, IList a) => e.Length == a.Count && e.Select((v, i) => Same(v, a[i])).All(x => x),
        (DateTimeOffset e, DateTime a) => e.UtcTicks / TimeSpan.TicksPerMillisecond * TimeSpan.TicksPerMillisecond == a.Ticks,
        _ => false,
    };

    /// <summary>A value for a failure message.</summary>
    public static string Show(object? value) => value switch
    {
        null => "NULL",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset t => t.ToString("O", CultureInfo.InvariantCulture),
        string s => s,
        IEnumerable list => "[" + string.Join(",", list.Cast<object?>().Select(Show)) + "]",
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static DuckDBConnection Open()
    {
        var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        return connection;
    }

    private static string From(string path) => $"read_parquet({Literal(path)})";

    private static string Literal(string path) => "'" + Path.GetFullPath(path).Replace("'", "''", StringComparison.Ordinal) + "'";

    private static List<IReadOnlyDictionary<string, object?>> Query(DuckDBConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<IReadOnlyDictionary<string, object?>>();
        while (reader.Read())
        {
            var row = new Dictionary<string, object?>(StringComparer.Ordinal);
            for (int i = 0; i < reader.FieldCount; i++)
            {
                var value = reader.IsDBNull(i) ? null : reader.GetValue(i);
                if (value is Stream blob)
                {
                    using var copy = new MemoryStream();
                    blob.CopyTo(copy);
                    value = copy.ToArray();
                }
                row[reader.GetName(i)] = value;
            }
            rows.Add(row);
        }
        return rows;
    }
}
