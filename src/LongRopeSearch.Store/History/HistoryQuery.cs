using System.Text.RegularExpressions;
using DuckDB.NET.Data;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.History;

/// <summary>A column of a query result: its name and DuckDB's type name for it (e.g. "Double", "List", "TimestampTz").</summary>
public sealed record QueryColumn(string Name, string TypeName);

/// <summary>
/// A query's result, materialized: [rows][columns] values as DuckDB.NET returns them (string, int, long,
/// BigInteger, double, float, decimal, bool, DateTime, DateOnly, TimeSpan, Guid, List&lt;T&gt;, Dictionary,
/// byte[] for a BLOB), DBNull.Value for NULL.
/// </summary>
public sealed record QueryResult(IReadOnlyList<QueryColumn> Columns, IReadOnlyList<object[]> Rows);

/// <summary>
/// SQL over a job's history.parquet with DuckDB in-process: the file is the view <see cref="ViewName"/>, session time
/// zone UTC (so timestamps print as stored), nothing is downloaded (extension auto-install off).
/// </summary>
public static partial class HistoryQuery
{
    public const string ViewName = "history";

    /// <summary>
    /// Runs <paramref name="sql"/> (several statements: the last one's result) over <paramref name="historyPath"/>.
    /// A missing history file or SQL that DuckDB refuses is an <see cref="InputException"/> with one line.
    /// </summary>
    public static QueryResult Run(string historyPath, string sql)
    {
        var path = Path.GetFullPath(historyPath);
        if (!File.Exists(path))
            throw new InputException(path, "", "a job's history (written by `longrope search` once its first generation is scored)", "no such file");
        if (string.IsNullOrWhiteSpace(sql)) throw new InputException("query", "SQL", "a statement, e.g. \"SELECT count(*) FROM history\"", "nothing");

        using var connection = new DuckDBConnection("DataSource=:memory:");
        connection.Open();
        using (var setup = connection.CreateCommand())
        {
            setup.CommandText = "SET autoinstall_known_extensions = false; SET TimeZone = 'UTC'; " +
                $"CREATE VIEW {ViewName} AS SELECT * FROM read_parquet('{path.Replace("'", "''", StringComparison.Ordinal)}')";
            try
            {
                setup.ExecuteNonQuery();
            }
            catch (DuckDBException e)
            {
                throw new InputException(path, "", "a history file DuckDB can read (Parquet)", OneLine(e.Message), e);
            }
        }

        using var command = connection.CreateCommand();
        command.CommandText = sql;
        try
        {
            using var reader = command.ExecuteReader();
            QueryResult result;
            do
            {
                var columns = Enumerable.Range(0, reader.FieldCount).Select(i => new QueryColumn(reader.GetName(i), reader.GetDataTypeName(i))).ToList();
                var rows = new List<object[]>();
                while (reader.Read())
                {
                    var row = new object[reader.FieldCount]; // [columns]
                    reader.GetValues(row);
                    for (int i = 0; i < row.Length; i++)
                    {
                        // A BLOB arrives as a stream over DuckDB's buffer, valid only until the next row.
                        if (row[i] is Stream blob)
                        {
                            using var copy = new MemoryStream();
                            blob.CopyTo(copy);
                            row[i] = copy.ToArray();
                        }
                    }
                    rows.Add(row);
                }
                result = new QueryResult(columns, rows);
            }
            while (reader.NextResult());
            return result;
        }
        catch (DuckDBException e)
        {
            throw new InputException($"query: {OneLine(e.Message)}{Hint(sql, e.Message)}", e);
        }
    }

    /// <summary>
    /// DuckDB's message on one line: its lines joined with " | ", without the caret line that only points into the
    /// multi-line rendering ("LINE 1: ..." itself is kept: it shows the statement).
    /// </summary>
    public static string OneLine(string message) =>
        string.Join(" | ", message.Split('\n').Select(l => l.TrimEnd()).Where(l => l.Trim().Length > 0 && l.Trim() != "^"));

    /// <summary>
    /// `lambda` is a DuckDB keyword (lambda functions), so an unquoted column reference is a syntax error whose
    /// message says nothing about the column: name the fix.
    /// </summary>
    private static string Hint(string sql, string message) =>
        message.StartsWith("Parser Error", StringComparison.Ordinal) && UnquotedLambda().IsMatch(sql)
            ? " (lambda is a DuckDB keyword: write the column as \"lambda\")"
            : "";

    [GeneratedRegex(@"(?<![""\w])lambda(?![""\w])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex UnquotedLambda();
}
