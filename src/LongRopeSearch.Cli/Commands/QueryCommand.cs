using System.Collections;
using System.CommandLine;
using System.Globalization;
using System.Numerics;
using System.Text;
using System.Text.Json;
using LongRopeSearch.Cli.Terminal;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using LongRopeSearch.Store.History;
using Spectre.Console;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// `longrope query --out DIR "SQL"`: DuckDB (in-process) over the job's history.parquet, which the SQL sees as the
/// view `history`. Prints a table (doubles to 6 significant digits, for reading), or exact CSV or JSON for scripts.
/// </summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output directory of the job whose history.parquet to query.", DefaultValueFactory = _ => SearchCommand.DefaultOut };
        var format = new Option<string>("--format") { Description = "table, csv or json.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv", "json");
        var sql = new Argument<string>("sql") { Description = "DuckDB SQL over the view `history` (one row per evaluated candidate; see docs/history.md), e.g. \"SELECT count(*) FROM history\"." };
        var cmd = new Command("query", "Run SQL (DuckDB) over a job's history.parquet, exposed as the view `history`.") { output, format, sql };
        cmd.SetAction(parse => Run(parse.GetValue(output)!, parse.GetValue(sql)!, parse.GetValue(format)!, parse.InvocationConfiguration.Output));
        return cmd;
    }

    internal static int Run(string outDir, string sql, string format, TextWriter output)
    {
        if (!Directory.Exists(outDir)) throw new InputException("--out", "", "an existing job output directory", outDir);
        var result = HistoryQuery.Run(new JobDirectory(outDir).History, sql);
        switch (format)
        {
            case "csv":
                WriteCsv(output, result);
                break;
            case "json":
                WriteJson(output, result);
                break;
            default:
                Render.Write(output, Table(result));
                output.WriteLine(result.Rows.Count == 1 ? "1 row" : string.Create(CultureInfo.InvariantCulture, $"{result.Rows.Count} rows"));
                break;
        }
        return ExitCodes.Ok;
    }

    private static Table Table(QueryResult result)
    {
        var table = new Table();
        foreach (var c in result.Columns)
        {
            var column = new TableColumn(Markup.Escape(c.Name));
            if (IsNumber(c.TypeName)) column.RightAligned();
            table.AddColumn(column);
        }
        foreach (var row in result.Rows)
            table.AddRow(row.Select((v, i) => Markup.Escape(v is DBNull ? "NULL" : Text(v, result.Columns[i].TypeName, exact: false))).ToArray());
        return table;
    }

    /// <summary>RFC 4180: a header line, then one line per row; NULL is an empty field, lists are JSON-style "[a,b]".</summary>
    private static void WriteCsv(TextWriter output, QueryResult result)
    {
        output.WriteLine(string.Join(",", result.Columns.Select(c => Quote(c.Name))));
        foreach (var row in result.Rows)
            output.WriteLine(string.Join(",", row.Select((v, i) => v is DBNull ? "" : Quote(Text(v, result.Columns[i].TypeName, exact: true)))));

        static string Quote(string s) =>
            s.AsSpan().IndexOfAny(",\"\r\n") < 0 ? s : "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
    }

    /// <summary>
    /// An array of objects, one per row, keyed by column name. Doubles are exact; NaN and ±Infinity (JSON has no
    /// such numbers) are the strings "NaN", "Infinity", "-Infinity"; timestamps are ISO 8601 strings.
    /// </summary>
    private static void WriteJson(TextWriter output, QueryResult result)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var row in result.Rows)
            {
                json.WriteStartObject();
                for (int i = 0; i < row.Length; i++)
                {
                    json.WritePropertyName(result.Columns[i].Name);
                    WriteJsonValue(json, row[i], result.Columns[i].TypeName);
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        output.WriteLine(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length));
    }

    private static void WriteJsonValue(Utf8JsonWriter json, object? value, string typeName)
    {
        switch (value)
        {
            case null or DBNull:
                json.WriteNullValue();
                break;
            case string s:
                json.WriteStringValue(s);
                break;
            case bool b:
                json.WriteBooleanValue(b);
                break;
            case double d when !double.IsFinite(d):
            case float f when !float.IsFinite(f):
                json.WriteStringValue(Text(value, typeName, exact: true));
                break;
            case double d:
                json.WriteNumberValue(d);
                break;
            case float f:
                json.WriteNumberValue(f);
                break;
            case decimal m:
                json.WriteNumberValue(m);
                break;
            case sbyte or byte or short or ushort or int or uint or long or ulong or BigInteger:
                json.WriteRawValue(((IFormattable)value).ToString(null, CultureInfo.InvariantCulture));
                break;
            case byte[] bytes:
                json.WriteBase64StringValue(bytes);
                break;
            case IDictionary map:
                json.WriteStartObject();
                foreach (DictionaryEntry e in map)
                {
                    json.WritePropertyName(Text(e.Key, "", exact: true));
                    WriteJsonValue(json, e.Value, "");
                }
                json.WriteEndObject();
                break;
            case IEnumerable list:
                json.WriteStartArray();
                foreach (var item in list) WriteJsonValue(json, item, "");
                json.WriteEndArray();
                break;
            default:
                json.WriteStringValue(Text(value, typeName, exact: true));
                break;
        }
    }

    /// <summary>A value as text: doubles round-trip when <paramref name="exact"/>, else 6 significant digits.</summary>
    private static string Text(object? value, string typeName, bool exact) => value switch
    {
        null or DBNull => "NULL",
        string s => s,
        bool b => b ? "true" : "false",
        double d => d.ToString(exact ? "R" : "G6", CultureInfo.InvariantCulture),
        float f => f.ToString(exact ? "R" : "G6", CultureInfo.InvariantCulture),
        // TIMESTAMP WITH TIME ZONE arrives as the UTC instant (the session zone is UTC); plain TIMESTAMP has no zone.
        DateTime t => t.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture) + (typeName == "TimestampTz" ? "Z" : ""),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        byte[] bytes => "\\x" + Convert.ToHexString(bytes),
        IDictionary map => "{" + string.Join(", ", map.Cast<DictionaryEntry>().Select(e => $"{Text(e.Key, "", exact)}: {Text(e.Value, "", exact)}")) + "}",
        IEnumerable list => "[" + string.Join(exact ? "," : ", ", list.Cast<object?>().Select(v => Text(v, "", exact))) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    private static bool IsNumber(string typeName) => typeName is "TinyInt" or "SmallInt" or "Integer" or "BigInt" or "HugeInt"
        or "UnsignedTinyInt" or "UnsignedSmallInt" or "UnsignedInteger" or "UnsignedBigInt" or "UnsignedHugeInt" or "Float" or "Double" or "Decimal";
}
