using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Jobs;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// Prefix-first abandon on a cluster: a search whose space scores samples in prefix steps, run with `longrope search
/// --cluster` on two `longrope worker` processes, has the in-process run's history and best factors, bit for bit,
/// and the checkpoint's counters (tokens and FLOPs pushed through the model, which come with each worker's score).
/// Evaluations are really cut inside samples (asserted), so prefix steps cannot have been skipped on either side.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterPrefixAbandonTests(PostgresServer server, ITestOutputHelper output)
{
    // A long target and a short stage, 2 samples, steps at 1/4 and 1/2 of each sample with a zero prefix margin (a
    // prefix worse than the threshold's stops it), so many evaluations stop inside sample 0: 40 evaluations.
    private const string SpaceJson =
        """{ "targets": ["4x"], "short": { "length": "2x" }, "population": 8, "generations": 2, "parents": 4, "mutations": 3, "crossovers": 3, "samples": 2, "seed": 3, "early_abandon": { "enabled": true, "margin": 0.05, "min_samples": 1, "prefix": { "fractions": [0.25, 0.5], "margin": 0.0 } } }""";

    [Fact]
    public async Task A_prefix_first_search_on_two_workers_equals_the_in_process_run()
    {
        using var run = new ClusterSearchRun("prefix-job", SpaceJson);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        run.RunReference();
        output.WriteLine($"in process: {clock.Elapsed.TotalSeconds:0.0} s");
        var cs = await server.CreateDatabaseAsync();
        try
        {
            clock.Restart();
            await using (var db = await ClusterDatabase.ConnectAsync(cs))
                await run.StartWorkersAsync(db, cs, 2, TimeSpan.FromMinutes(1));
            output.WriteLine($"workers up: {clock.Elapsed.TotalSeconds:0.0} s");
            clock.Restart();
            run.StartSearch(cs);
            run.WaitForSearch(TimeSpan.FromMinutes(2));
            output.WriteLine($"on the cluster: {clock.Elapsed.TotalSeconds:0.0} s");

            var history = run.AssertSameResultAsReference();
            Assert.Equal(40, history.Count);
            // Cut inside a sample: abandoned before even sample 0 was complete (only the prefix rule stops there).
            var insideSample0 = history.Count(r => r.Abandoned && r.PerSampleNll.Length == 0);
            output.WriteLine($"{history.Count(r => r.Abandoned)} of {history.Count} abandoned, {insideSample0} inside sample 0");
            Assert.True(insideSample0 > 0, "no evaluation was abandoned inside a sample: prefix steps did not act");

            // What each evaluation cost, as the workers reported it: the same counters as in process.
            var expected = ClusterSearchRun.StageCounters(run.Reference);
            Assert.Equal(2, expected.Count);
            Assert.All(expected, c => Assert.True(c.Tokens > 0 && c.Flops > 0));
            Assert.Equal(expected, ClusterSearchRun.StageCounters(run.Shared));
        }
        finally
        {
            output.WriteLine(run.Logs());
        }
    }
}
