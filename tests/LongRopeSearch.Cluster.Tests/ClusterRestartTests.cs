using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.TestSupport;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// PostgreSQL restarted (pg_ctl stop -m fast, start on the same port and data directory) while a real `longrope
/// search --cluster` job runs on two `longrope worker --cluster` processes: workers and coordinator reconnect, the job
/// finishes, and its result is the in-process run's (best/*.json byte for byte, history by its deterministic columns).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterRestartTests(PostgresServer server, ITestOutputHelper output)
{
    private const string SpaceJson =
        """{ "targets": ["4x"], "short": { "length": "2x" }, "population": 8, "generations": 3, "parents": 4, "mutations": 3, "crossovers": 3, "samples": 4, "seed": 5 }""";

    private const string JobId = "restart-job";
    private static string Model => ClusterSearchRun.Model;

    [Fact]
    public async Task A_search_whose_database_restarts_mid_job_finishes_with_the_in_process_result()
    {
        using var run = new ClusterSearchRun(JobId, SpaceJson);
        run.RunReference();
        var cs = await server.CreateDatabaseAsync();
        try
        {
            await using (var db = await ClusterDatabase.ConnectAsync(cs))
            {
                var registry = new Workers.WorkerRegistry(db);
                await run.StartWorkersAsync(db, cs, 3, TimeSpan.FromMinutes(1));
                run.StartSearch(cs);
                // Mid-job: kill -9 a busy worker that is not the coordinator, then restart the database at once.
                var jobs = new ClusterJobs(db);
                var coordinatorId = await ClusterEndToEndTests.WaitFor(async () => (await jobs.GetAsync(JobId, default))?.Coordinator, TimeSpan.FromMinutes(1), "a coordinator", run.Logs);
                var victimRow = await ClusterEndToEndTests.WaitFor(async () => (await registry.ListAsync(TimeSpan.FromMinutes(1), default))
                    .FirstOrDefault(w => w.Alive && w.BusyOn is not null && w.Id != coordinatorId), TimeSpan.FromMinutes(1), "a busy worker", run.Logs, pollMs: 5);
                run.Workers.Single(w => w.Pid == victimRow.Pid).KillHard();
                output.WriteLine($"killed worker {victimRow.Id}");
            }
            NpgsqlConnection.ClearAllPools();
            var before = DateTime.UtcNow;
            server.Restart(downSeconds: 6);  // longer than the workers' 3 s invisibility timeout: Hangfire may re-offer the coordinator
            output.WriteLine($"PostgreSQL restarted in {(DateTime.UtcNow - before).TotalSeconds:0.0} s");

            run.WaitForSearch(TimeSpan.FromSeconds(90));
            var expected = run.AssertSameResultAsReference();
            await using (var db = await ClusterDatabase.ConnectAsync(cs))
            {
                Assert.Equal("done", (await new ClusterJobs(db).GetAsync(JobId, default))!.Status);
                Assert.Equal((long)expected.Count, await CountAsync(db));
                Assert.Empty(await new Evaluations.EvaluationStore(db).ReadFailuresAsync(JobId, default));
            }
        }
        finally
        {
            output.WriteLine(run.Logs());
        }
    }

    [Fact]
    public async Task A_coordinator_copy_that_finds_the_lease_held_waits_and_takes_over_when_it_is_free()
    {
        // The state a long restart can leave: Hangfire re-offered the coordinator while another copy holds the lease.
        // That copy must wait, not end (ending left the job with nobody coordinating it).
        using var tmp = new TempDir();
        var space = Path.Combine(tmp.PathName, "space.json");
        File.WriteAllText(space, SpaceJson);
        var cs = await server.CreateDatabaseAsync();
        await using var db = await ClusterDatabase.ConnectAsync(cs);
        var held = await CoordinatorLease.TryAcquireAsync(db, JobId, default);
        Assert.NotNull(held);
        var worker = LongropeProcess.Start("worker", "--cluster", cs, "--model", Model, "--threads", "1", "--coordinators", "1", "--invisibility-timeout", "3");
        LongropeProcess? search = null;
        string Logs() => $"--- worker\n{worker.Stderr}\n--- search\n{search?.Stdout}{search?.Stderr}";
        try
        {
            search = LongropeProcess.Start("search", "--cluster", cs, "--model", Model, "--data", RepoPaths.SearchData, "--validation", RepoPaths.ValidationData,
                "--space", space, "--out", Path.Combine(tmp.PathName, "shared", JobId), "--threads", "1");
            await ClusterEndToEndTests.WaitUntil(() => Task.FromResult(worker.Stderr.Contains("this copy waits to take over", StringComparison.Ordinal)),
                TimeSpan.FromMinutes(1), "the coordinator copy waiting for the lease", Logs);
            await Task.Delay(TimeSpan.FromSeconds(3));
            var row = (await new ClusterJobs(db).GetAsync(JobId, default))!;
            Assert.Equal("queued", row.Status);
            Assert.Null(row.Coordinator);
            Assert.False(search.HasExited, Logs());

            await held!.DisposeAsync();
            Assert.True(search.WaitForExit(TimeSpan.FromSeconds(90)), "search --cluster did not finish after the lease was freed:\n" + Logs());
            Assert.True(search.ExitCode == 0, $"search --cluster exit {search.ExitCode}:\n{Logs()}");
            Assert.Equal("done", (await new ClusterJobs(db).GetAsync(JobId, default))!.Status);
        }
        finally
        {
            search?.Dispose();
            worker.Dispose();
            await held!.DisposeAsync();
            output.WriteLine(Logs());
        }
    }

    private static async Task<long> CountAsync(ClusterDatabase db)
    {
        await using var c = await db.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM longrope.evaluations WHERE job_id = @j", c);
        count.Parameters.AddWithValue("j", JobId);
        return (long)(await count.ExecuteScalarAsync())!;
    }
}
