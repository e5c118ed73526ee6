using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.Cluster.Workers;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// The whole cluster with the real tool: PostgreSQL, three `longrope worker --cluster` processes, `longrope search
/// --cluster` submitting a small search and following it; one worker is killed with SIGKILL in the middle of an
/// evaluation and the coordinator's process once, and the result must be the in-process run's, bit for bit: every
/// best/*.json and validation.json byte for byte, and the history by its deterministic columns, row for row.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterEndToEndTests(PostgresServer server, ITestOutputHelper output)
{
    // Two long targets and a short stage (every kind of stage transition), 108 evaluations of ~0.1 s each on one thread.
    private const string SpaceJson =
        """{ "targets": ["4x", "8x"], "short": { "length": "2x" }, "population": 12, "generations": 3, "parents": 6, "mutations": 4, "crossovers": 4, "samples": 4, "seed": 3 }""";

    [Fact]
    public async Task A_search_on_three_workers_with_a_worker_and_the_coordinator_killed_equals_the_in_process_run()
    {
        using var run = new ClusterSearchRun("e2e-job", SpaceJson);
        var jobId = run.JobId;
        run.RunReference();

        var cs = await server.CreateDatabaseAsync();
        try
        {
            await using var db = await ClusterDatabase.ConnectAsync(cs);
            var registry = new WorkerRegistry(db);
            await run.StartWorkersAsync(db, cs, 3, TimeSpan.FromMinutes(2));
            var search = run.StartSearch(cs);
            var jobs = new ClusterJobs(db);

            // Kill -9 a worker that is not the coordinator while it is busy on an evaluation.
            var coordinatorId = await WaitFor(async () => (await jobs.GetAsync(jobId, default))?.Coordinator, TimeSpan.FromMinutes(2), "a coordinator", run.Logs);
            var victimRow = await WaitFor(async () => (await registry.ListAsync(TimeSpan.FromMinutes(1), default))
                .FirstOrDefault(w => w.Alive && w.BusyOn is not null && w.Id != coordinatorId), TimeSpan.FromMinutes(2), "a busy worker", run.Logs, pollMs: 5);
            var victim = run.Workers.Single(w => w.Pid == victimRow.Pid);
            victim.KillHard();
            var inHand = (await registry.ListAsync(TimeSpan.FromMinutes(1), default)).Single(w => w.Id == victimRow.Id).BusyOn;
            output.WriteLine($"killed worker {victimRow.Id} busy on {inHand}");

            // Then kill -9 the coordinator's process once the search is past its first stage.
            await WaitUntil(async () => (await jobs.GetAsync(jobId, default))?.Stage is "target 512", TimeSpan.FromMinutes(3), "the second target", run.Logs);
            var coordinatorRow = (await registry.ListAsync(TimeSpan.FromMinutes(1), default)).Single(w => w.Id == coordinatorId);
            run.Workers.Single(w => w.Pid == coordinatorRow.Pid).KillHard();
            output.WriteLine($"killed coordinator {coordinatorId}");

            run.WaitForSearch(TimeSpan.FromMinutes(4));
            var row = (await jobs.GetAsync(jobId, default))!;
            Assert.Equal("done", row.Status);
            Assert.NotEqual(coordinatorId, row.Coordinator);

            // The killed worker's item was redone by another worker and recorded once (inHand is "job/stage/candidate").
            Assert.True(inHand is not null, "the worker finished its evaluation before the kill landed (its busy-on was cleared)");
            {
                var parts = inHand!.Split('/');
                var recorded = await new Evaluations.EvaluationStore(db).ReadAsync(parts[0], parts[1], [long.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture)], default);
                var only = Assert.Single(recorded);
                Assert.NotEqual(victimRow.Id, only.WorkerId);
            }

            // Same bits as in process.
            Assert.Equal(108, run.AssertSameResultAsReference().Count);
            Assert.True(Directory.GetFiles(Path.Combine(run.Reference.Output, "best")).Length >= 5);

            // Every evaluation recorded exactly once in the database, none failed.
            await using var c = await db.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM longrope.evaluations WHERE job_id = @j", c);
            count.Parameters.AddWithValue("j", jobId);
            Assert.Equal(108L, (long)(await count.ExecuteScalarAsync())!);
            Assert.Empty(await new Evaluations.EvaluationStore(db).ReadFailuresAsync(jobId, default));
        }
        finally
        {
            output.WriteLine(run.Logs());
        }
    }

    internal static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout, string what, Func<string> logs, int pollMs = 50) =>
        await WaitFor(async () => await condition() ? "yes" : null, timeout, what, logs, pollMs);

    internal static async Task<T> WaitFor<T>(Func<Task<T?>> probe, TimeSpan timeout, string what, Func<string> logs, int pollMs = 50)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await probe() is { } found) return found;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{what} not seen within {timeout}; logs:\n{logs()}");
            await Task.Delay(pollMs);
        }
    }
}
