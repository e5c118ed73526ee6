using System.Text.Json.Nodes;
using LongRopeSearch.Jobs.Tests.Kit;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Jobs.Tests;

/// <summary>
/// A real job's history.parquet read by DuckDB (an independent Parquet implementation, in-process): one row per
/// evaluation, the columns and types of <see cref="HistorySchema"/>, one row group per generation, every value equal
/// to what our reader returns, and the best factor files agreeing with the history.
/// </summary>
public sealed class HistoryDuckDbTests
{
    [Fact]
    public void DuckDb_reads_one_row_per_evaluation_with_the_documented_schema_and_our_values()
    {
        var reference = ReferenceJob.Value;
        var path = new JobDirectory(reference.Output).History;
        var duck = DuckDbReader.Read(path);

        Assert.Equal(HistorySchema.Columns.Select(c => (c.Name, c.SqlType)), duck.Describe);
        Assert.Equal(reference.State.Evaluations, duck.Count);
        var generationSizes = reference.GenerationEnds.Select((end, i) => (long)(end - (i == 0 ? 0 : reference.GenerationEnds[i - 1]))).ToList();
        Assert.Equal(generationSizes, DuckDbReader.RowGroupSizes(path));

        var ours = HistoryLog.ReadAll(path);
        Assert.Equal(ours.Count, duck.Rows.Count);
        // Candidate ids are unique within a job, so they pair the rows whatever order DuckDB scans in.
        var byId = duck.Rows.ToDictionary(r => (long)r["candidate_id"]!);
        Assert.Equal(ours.Count, byId.Count);
        foreach (var row in ours)
        {
            var d = byId[row.CandidateId];
            foreach (var c in HistorySchema.Columns)
                Assert.True(DuckDbReader.Same(c.Value(row), d[c.Name]), $"candidate {row.CandidateId} column {c.Name}: ours {DuckDbReader.Show(c.Value(row))}, DuckDB {DuckDbReader.Show(d[c.Name])}");
        }

        // And the history agrees with the job's other outputs: each best file is the lowest full evaluation of its stage
        // (a .deployable.json twin: the lowest with n̂ = 0).
        foreach (var best in Directory.GetFiles(Path.Combine(reference.Output, "best")))
        {
            var b = JsonNode.Parse(File.ReadAllText(best))!;
            bool deployable = b["deployable"] is { } flag && (bool)flag;
            var stageRows = duck.Rows.Where(r => (string)r["stage"]! == (string)b["stage"]! && (int)r["target_length"]! == (int)b["target_length"]! && !(bool)r["abandoned"]!
                && (!deployable || (int)r["n_hat"]! == 0)).ToList();
            var lowest = stageRows.MinBy(r => (double)r["mean_nll"]!)!;
            Assert.Equal((double)b["search_mean_nll"]!, (double)lowest["mean_nll"]!);
            Assert.Equal((long)b["candidate_id"]!, (long)lowest["candidate_id"]!);
        }
    }
}
