using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// A job's history.parquet read by DuckDB (an independent Parquet implementation, through the Store tests'
/// duckdb/read_parquet.mjs): one row per evaluation, the documented columns and types, and the values our reader
/// returns. A missing node or DuckDB package FAILS with the install command: a skipped interop test would let an
/// unreadable history pass CI.
/// </summary>
public sealed class HistoryDuckDbTests
{
    private static readonly (string Name, string Type)[] Columns =
    [
        ("job_id", "VARCHAR"), ("stage", "VARCHAR"), ("target_length", "INTEGER"), ("generation", "INTEGER"),
        ("candidate_id", "BIGINT"), ("origin", "VARCHAR"), ("lambda", "DOUBLE[]"), ("n_hat", "INTEGER"),
        ("attention_factor", "DOUBLE"), ("per_sample_nll", "DOUBLE[]"), ("mean_nll", "DOUBLE"), ("ppl", "DOUBLE"),
        ("abandoned", "BOOLEAN"), ("seconds", "DOUBLE"), ("timestamp", "TIMESTAMP WITH TIME ZONE"),
    ];

    [Fact]
    public void DuckDb_reads_one_row_per_evaluation_with_the_documented_schema_and_our_values()
    {
        var reference = ReferenceJob.Value;
        var path = new JobDirectory(reference.Output).History;
        using var duck = DuckDbReader.Read(path);
        var root = duck.RootElement;

        var describe = root.GetProperty("describe").EnumerateArray()
            .Select(c => (c.GetProperty("column_name").GetString()!, c.GetProperty("column_type").GetString()!)).ToArray();
        Assert.Equal(Columns, describe);
        Assert.Equal(reference.State.Evaluations, root.GetProperty("count").GetInt64());

        var ours = HistoryLog.ReadAll(path);
        var theirs = root.GetProperty("rows").EnumerateArray().ToList();
        Assert.Equal(ours.Count, theirs.Count);
        // Candidate ids are unique within a job, so they pair the rows whatever order DuckDB scans in.
        var byId = theirs.ToDictionary(r => long.Parse(r.GetProperty("candidate_id").GetString()!, CultureInfo.InvariantCulture));
        Assert.Equal(ours.Count, byId.Count);
        foreach (var row in ours)
        {
            var d = byId[row.CandidateId];
            var where = $"candidate {row.CandidateId}";
            Assert.True(row.JobId == d.GetProperty("job_id").GetString(), where);
            Assert.True(row.Stage == d.GetProperty("stage").GetString(), where);
            Assert.True(row.TargetLength == d.GetProperty("target_length").GetInt32(), where);
            Assert.True(row.Generation == d.GetProperty("generation").GetInt32(), where);
            Assert.True(row.Origin == d.GetProperty("origin").GetString(), where);
            Assert.True(DuckDbReader.SameDoubles(row.Lambda, d.GetProperty("lambda")), where + " lambda");
            Assert.True(row.NHat == d.GetProperty("n_hat").GetInt32(), where);
            Assert.True(DuckDbReader.SameDouble(row.AttentionFactor, d.GetProperty("attention_factor")), where + " attention_factor");
            Assert.True(DuckDbReader.SameDoubles(row.PerSampleNll, d.GetProperty("per_sample_nll")), where + " per_sample_nll");
            Assert.True(DuckDbReader.SameDouble(row.MeanNll, d.GetProperty("mean_nll")), where + " mean_nll");
            Assert.True(DuckDbReader.SameDouble(row.Ppl, d.GetProperty("ppl")), where + " ppl");
            Assert.True(row.Abandoned == d.GetProperty("abandoned").GetBoolean(), where);
            Assert.True(DuckDbReader.SameDouble(row.Seconds, d.GetProperty("seconds")), where + " seconds");
            Assert.True(row.Timestamp.UtcTicks == DuckDbReader.UtcTicks(d.GetProperty("timestamp").GetString()!), where + " timestamp");
        }

        // And the history agrees with the job's other outputs: each best file is the lowest full evaluation of its stage.
        foreach (var best in Directory.GetFiles(Path.Combine(reference.Output, "best")))
        {
            var b = JsonNode.Parse(File.ReadAllText(best))!;
            var stageRows = theirs.Where(r => r.GetProperty("stage").GetString() == (string)b["stage"]! &&
                                              r.GetProperty("target_length").GetInt32() == (int)b["target_length"]! &&
                                              !r.GetProperty("abandoned").GetBoolean()).ToList();
            var lowest = stageRows.MinBy(r => r.GetProperty("mean_nll").GetDouble());
            Assert.Equal((double)b["search_mean_nll"]!, lowest.GetProperty("mean_nll").GetDouble());
            Assert.Equal((long)b["candidate_id"]!, long.Parse(lowest.GetProperty("candidate_id").GetString()!, CultureInfo.InvariantCulture));
        }
    }
}
