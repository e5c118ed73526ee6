using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>
/// `longrope query` over a history.parquet written here with known rows: results checked against the rows
/// themselves (computed with LINQ, not with SQL), each output format, every query of the README's query section,
/// and the one-line errors for bad SQL and a job directory without a history.
/// </summary>
public sealed partial class QueryCommandTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public QueryCommandTests()
    {
        Directory.CreateDirectory(Dir);
        var log = new HistoryLog(Path.Combine(Dir, "history.parquet"));
        foreach (var generation in Rows.GroupBy(r => (r.Stage, r.TargetLength, r.Generation))) log.Append(generation.ToList());
    }

    private string Dir => _tmp.File("run");

    /// <summary>A tiny-brown-like job: targets 2048 and 4096 then short 512, 3 generations of 6 each, some abandoned (one with a NaN score).</summary>
    private static List<HistoryRow> Rows { get; } = MakeRows();

    [Fact]
    public void Best_candidate_per_generation_as_csv_matches_the_rows()
    {
        var (code, output, error) = Cli("query", "--out", Dir, "--format", "csv",
            "SELECT stage, target_length, generation, arg_min(candidate_id, ppl) AS best, min(ppl) AS best_ppl FROM history WHERE NOT abandoned GROUP BY ALL ORDER BY min(candidate_id)");
        Assert.True(code == 0, error);

        var expected = Rows.Where(r => !r.Abandoned).GroupBy(r => (r.Stage, r.TargetLength, r.Generation))
            .Select(g => g.MinBy(r => r.Ppl)!)
            .Select(b => string.Join(",", b.Stage, I(b.TargetLength), I(b.Generation), I(b.CandidateId), b.Ppl.ToString("R", CultureInfo.InvariantCulture)))
            .Prepend("stage,target_length,generation,best,best_ppl");
        Assert.Equal(expected, Lines(output));
    }

    [Fact]
    public void Json_gives_exact_lists_timestamps_and_named_non_finite_numbers()
    {
        var (code, output, error) = Cli("query", "--out", Dir, "--format", "json",
            "SELECT candidate_id, \"lambda\", ppl, abandoned, timestamp, NULL AS nothing FROM history ORDER BY candidate_id");
        Assert.True(code == 0, error);

        var rows = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        Assert.Equal(Rows.Count, rows.Count);
        foreach (var (row, json) in Rows.OrderBy(r => r.CandidateId).Zip(rows))
        {
            Assert.Equal(row.CandidateId, json.GetProperty("candidate_id").GetInt64());
            Assert.Equal(row.Lambda, json.GetProperty("lambda").EnumerateArray().Select(e => e.GetDouble()));
            if (double.IsNaN(row.Ppl)) Assert.Equal("NaN", json.GetProperty("ppl").GetString());
            else Assert.Equal(row.Ppl, json.GetProperty("ppl").GetDouble());
            Assert.Equal(row.Abandoned, json.GetProperty("abandoned").GetBoolean());
            Assert.Equal(row.Timestamp.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture), json.GetProperty("timestamp").GetString());
            Assert.Equal(JsonValueKind.Null, json.GetProperty("nothing").ValueKind);
        }
        Assert.Contains(Rows, r => double.IsNaN(r.Ppl)); // the NaN branch ran
    }

    [Fact]
    public void The_table_has_the_columns_the_rows_and_their_count()
    {
        var (code, output, error) = Cli("query", "--out", Dir,
            "SELECT stage, count(*) AS evaluated, count(*) FILTER (abandoned) AS abandoned FROM history GROUP BY stage ORDER BY stage");
        Assert.True(code == 0, error);

        var lines = Lines(output);
        Assert.Contains(lines, l => Cells(l).SequenceEqual(["stage", "evaluated", "abandoned"]));
        foreach (var stage in Rows.GroupBy(r => r.Stage))
            Assert.Contains(lines, l => Cells(l).SequenceEqual([stage.Key, I(stage.Count()), I(stage.Count(r => r.Abandoned))]));
        Assert.Equal("2 rows", lines[^1]);
    }

    [Fact]
    public void Every_query_of_the_readme_runs()
    {
        var readme = File.ReadAllText(RepoPaths.Combine("README.md"));
        var section = readme[readme.IndexOf("### query", StringComparison.Ordinal)..];
        section = section[..section.IndexOf("\n### ", 1, StringComparison.Ordinal)];
        var queries = ReadmeQuery().Matches(section).ToList();
        Assert.True(queries.Count >= 6, $"found {queries.Count} queries in the README's query section");

        foreach (var q in queries)
        {
            var format = q.Groups["format"].Success ? q.Groups["format"].Value : "table";
            var (code, output, error) = Cli("query", "--out", Dir, "--format", format, q.Groups["sql"].Value);
            Assert.True(code == 0, $"{q.Value}\n{error}");
            Assert.True(Lines(output).Count >= 2, $"{q.Value} printed no rows:\n{output}");
        }
    }

    [Fact]
    public void The_readme_top_10_lambda_query_returns_the_ten_lowest_ppl_at_4096()
    {
        var readme = File.ReadAllText(RepoPaths.Combine("README.md"));
        var sql = ReadmeQuery().Matches(readme).Select(m => m.Groups["sql"].Value).Single(s => s.Contains("LIMIT 10", StringComparison.Ordinal));
        var (code, output, error) = Cli("query", "--out", Dir, "--format", "csv", sql);
        Assert.True(code == 0, error);

        var expected = Rows.Where(r => r.TargetLength == 4096 && !r.Abandoned).OrderBy(r => r.Ppl).Take(10).Select(r => r.CandidateId);
        Assert.Equal(expected, Lines(output).Skip(1).Select(l => long.Parse(l.Split(',')[0], CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void Bad_sql_exits_2_with_duckdbs_message_on_one_line()
    {
        var (code, output, error) = Cli("query", "--out", Dir, "SELECT nope FROM history");
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("error: query: Binder Error: Referenced column \"nope\" not found", line, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unquoted_lambda_column_gets_the_fix_named()
    {
        var (code, _, error) = Cli("query", "--out", Dir, "SELECT lambda FROM history");
        Assert.Equal(2, code);
        var line = Assert.Single(Lines(error));
        Assert.StartsWith("error: query: Parser Error: syntax error", line, StringComparison.Ordinal);
        Assert.EndsWith("(lambda is a DuckDB keyword: write the column as \"lambda\")", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_job_directory_without_history_parquet_gets_one_line_naming_it()
    {
        var empty = Directory.CreateDirectory(_tmp.File("empty")).FullName;
        var (code, _, error) = Cli("query", "--out", empty, "SELECT 1");
        Assert.Equal(2, code);
        var line = Assert.Single(Lines(error));
        Assert.Equal($"error: {Path.Combine(empty, "history.parquet")}: expected a job's history (written by `longrope search` once its first generation is scored), found no such file", line);

        (code, _, error) = Cli("query", "--out", _tmp.File("missing"), "SELECT 1");
        Assert.Equal(2, code);
        Assert.StartsWith("error: --out: expected an existing job output directory", Assert.Single(Lines(error)), StringComparison.Ordinal);
    }

    public void Dispose() => _tmp.Dispose();

    private static List<HistoryRow> MakeRows()
    {
        var random = new Random(11);
        var rows = new List<HistoryRow>();
        long id = 0;
        var start = new DateTimeOffset(2026, 11, 22, 9, 30, 0, TimeSpan.FromHours(2));
        foreach (var (stage, length) in new[] { ("long", 2048), ("long", 4096), ("short", 512) })
        {
            for (int generation = 0; generation < 3; generation++)
            {
                for (int k = 0; k < 6; k++, id++)
                {
                    var abandoned = random.Next(4) == 0 || id == 7;
                    var nll = Math.Round(1.5 + random.NextDouble(), 6);
                    var lambda = Enumerable.Range(0, 32).Select(i => 1.0 + Math.Round(i * random.NextDouble() * 0.25, 2)).Order().ToArray();
                    rows.Add(new HistoryRow
                    {
                        JobId = "query-test", Stage = stage, TargetLength = length, Generation = generation, CandidateId = id,
                        Origin = k == 0 ? "pi" : "mutation", Lambda = lambda, NHat = new[] { 0, 4, 12 }[random.Next(3)], AttentionFactor = 1.2,
                        PerSampleNll = [nll, nll], MeanNll = id == 7 ? double.NaN : nll, Ppl = id == 7 ? double.NaN : Math.Exp(nll),
                        Abandoned = abandoned, Seconds = 0.5, Timestamp = start.AddSeconds(id * 1.25),
                    });
                }
            }
        }
        return rows;
    }

    private static (int Code, string Out, string Err) Cli(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static List<string> Lines(string text) => text.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Length > 0).ToList();

    /// <summary>The cells of a table line ("│ a │ b │"), trimmed; none for a border line.</summary>
    private static string[] Cells(string line) =>
        line.Contains('│', StringComparison.Ordinal) ? line.Split('│')[1..^1].Select(c => c.Trim()).ToArray() : [];

    private static string I(long v) => v.ToString(CultureInfo.InvariantCulture);

    [GeneratedRegex(@"longrope query --out runs/tiny-brown(?: --format (?<format>\w+))? '(?<sql>[^']*)'")]
    private static partial Regex ReadmeQuery();
}
