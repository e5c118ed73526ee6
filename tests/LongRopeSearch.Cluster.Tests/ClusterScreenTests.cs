using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Jobs;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// Successive halving on a cluster: every child of a screened generation is a work item that stops after the screened
/// sample, the kept ones a second work item (stage "…+continued") that carries the screened samples' sums and
/// continues after them. Two workers give the in-process run's history, best factors and counters, bit for bit.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterScreenTests(PostgresServer server, ITestOutputHelper output)
{
    // 6 children per generation screened on sample 0 of 3 (prefix steps at 1/2), the best 2 continued: 8 + 2 × 6 = 20
    // candidates per stage, 2 stages.
    private const string SpaceJson =
        """{ "targets": ["4x"], "short": { "length": "2x" }, "population": 8, "generations": 2, "parents": 4, "mutations": 3, "crossovers": 3, "samples": 3, "seed": 3, "early_abandon": { "enabled": true, "margin": 0.05, "min_samples": 1, "prefix": { "fractions": [0.5], "margin": 0.05 }, "screen": { "samples": 1, "keep": 2 } } }""";

    [Fact]
    public async Task A_screened_search_on_two_workers_equals_the_in_process_run()
    {
        using var run = new ClusterSearchRun("screen-job", SpaceJson);
        run.RunReference();
        var cs = await server.CreateDatabaseAsync();
        try
        {
            await using (var db = await ClusterDatabase.ConnectAsync(cs))
                await run.StartWorkersAsync(db, cs, 2, TimeSpan.FromMinutes(1));
            run.StartSearch(cs);
            run.WaitForSearch(TimeSpan.FromMinutes(2));

            var history = run.AssertSameResultAsReference();
            Assert.Equal(2 * (8 + 2 * 6), history.Count);
            Assert.Contains(history, r => r.Generation > 0 && r.Abandoned && r.PerSampleNll.Length == 1);  // dropped at the screen
            Assert.Contains(history, r => r.Generation > 0 && !r.Abandoned);                              // kept and finished

            // The continuations were work items of their own, each starting after its screened sample.
            await using var conn = new NpgsqlConnection(cs);
            await conn.OpenAsync();
            await using var cmd = new NpgsqlCommand("SELECT count(*) FROM longrope.evaluations WHERE stage LIKE '%+continued'", conn);
            var continued = (long)(await cmd.ExecuteScalarAsync())!;
            output.WriteLine($"{continued} continuation work items");
            Assert.InRange(continued, 1, 2 * 2 * 2);

            Assert.Equal(ClusterSearchRun.StageCounters(run.Reference), ClusterSearchRun.StageCounters(run.Shared));
        }
        finally
        {
            output.WriteLine(run.Logs());
        }
    }
}
