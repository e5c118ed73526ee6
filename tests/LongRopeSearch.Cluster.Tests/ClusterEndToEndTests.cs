using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Jobs;
using LongRopeSearch.Store.History;
using LongRopeSearch.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
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

    private const string JobId = "e2e-job";
    private static string Model => RepoPaths.Combine("tests", "fixtures", "models", "gqa");

    [Fact]
    public async Task A_search_on_three_workers_with_a_worker_and_the_coordinator_killed_equals_the_in_process_run()
    {
        using var tmp = new TempDir();
        var space = Path.Combine(tmp.PathName, "space.json");
        File.WriteAllText(space, SpaceJson);
        JobSpec Spec(string dir) => new()
        {
            Id = JobId, Model = Model, Data = RepoPaths.SearchData, Validation = RepoPaths.ValidationData, Space = space,
            Targets = [], Output = Path.Combine(tmp.PathName, dir, JobId), Threads = 1,
        };

        // The reference: the same job in this process, no cluster.
        var reference = Spec("local");
        Assert.Equal(JobOutcome.Finished, new JobRunner(reference, NullLogger.Instance).Run(CancellationToken.None));

        var cs = await server.CreateDatabaseAsync();
        var shared = Spec("shared");
        var workers = Enumerable.Range(0, 3).Select(_ => LongropeProcess.Start("worker", "--cluster", cs, "--model", Model,
            "--threads", "1", "--coordinators", "1", "--invisibility-timeout", "3")).ToList();
        LongropeProcess? search = null;
        string Logs() => string.Join("\n", workers.Select(w => $"--- worker {w.Pid}\n{w.Stderr}")) + $"\n--- search\n{search?.Stdout}{search?.Stderr}";
        try
        {
            await using var db = await ClusterDatabase.ConnectAsync(cs);
            var registry = new WorkerRegistry(db);
            await WaitUntil(async () => (await registry.ListAsync(TimeSpan.FromMinutes(1), default)).Count(w => w.Alive) == 3, TimeSpan.FromMinutes(2), "three workers announced", Logs);

            search = LongropeProcess.Start("search", "--cluster", cs, "--model", Model, "--data", RepoPaths.SearchData, "--validation", RepoPaths.ValidationData,
                "--space", space, "--out", shared.Output, "--threads", "1");
            var jobs = new ClusterJobs(db);

            // Kill -9 a worker that is not the coordinator while it is busy on an evaluation.
            var coordinatorId = await WaitFor(async () => (await jobs.GetAsync(JobId, default))?.Coordinator, TimeSpan.FromMinutes(2), "a coordinator", Logs);
            var victimRow = await WaitFor(async () => (await registry.ListAsync(TimeSpan.FromMinutes(1), default))
                .FirstOrDefault(w => w.Alive && w.BusyOn is not null && w.Id != coordinatorId), TimeSpan.FromMinutes(2), "a busy worker", Logs, pollMs: 5);
            var victim = workers.Single(w => w.Pid == victimRow.Pid);
            victim.KillHard();
            var inHand = (await registry.ListAsync(TimeSpan.FromMinutes(1), default)).Single(w => w.Id == victimRow.Id).BusyOn;
            output.WriteLine($"killed worker {victimRow.Id} busy on {inHand}");

            // Then kill -9 the coordinator's process once the search is past its first stage.
            await WaitUntil(async () => (await jobs.GetAsync(JobId, default))?.Stage is "target 512", TimeSpan.FromMinutes(3), "the second target", Logs);
            var coordinatorRow = (await registry.ListAsync(TimeSpan.FromMinutes(1), default)).Single(w => w.Id == coordinatorId);
            workers.Single(w => w.Pid == coordinatorRow.Pid).KillHard();
            output.WriteLine($"killed coordinator {coordinatorId}");

            Assert.True(search.WaitForExit(TimeSpan.FromMinutes(4)), "search --cluster did not finish:\n" + Logs());
            Assert.True(search.ExitCode == 0, $"search --cluster exit {search.ExitCode}:\n{Logs()}");
            var row = (await jobs.GetAsync(JobId, default))!;
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
            var refDir = reference.Output;
            var files = Directory.GetFiles(Path.Combine(refDir, "best")).Select(f => Path.Combine("best", Path.GetFileName(f))).Append("validation.json").Order().ToList();
            Assert.True(files.Count >= 6, string.Join(", ", files));
            foreach (var f in files)
                Assert.True(File.ReadAllBytes(Path.Combine(refDir, f)).AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(shared.Output, f))), $"{f} differs");
            var expected = HistoryLog.ReadAll(Path.Combine(refDir, "history.parquet")).Select(r => r.DeterministicText()).ToList();
            var actual = HistoryLog.ReadAll(Path.Combine(shared.Output, "history.parquet")).Select(r => r.DeterministicText()).ToList();
            Assert.Equal(108, expected.Count);
            Assert.Equal(expected, actual);

            // Every evaluation recorded exactly once in the database, none failed.
            await using var c = await db.OpenAsync();
            await using var count = new NpgsqlCommand("SELECT count(*) FROM longrope.evaluations WHERE job_id = @j", c);
            count.Parameters.AddWithValue("j", JobId);
            Assert.Equal(108L, (long)(await count.ExecuteScalarAsync())!);
            Assert.Empty(await new Evaluations.EvaluationStore(db).ReadFailuresAsync(JobId, default));
        }
        finally
        {
            search?.Dispose();
            foreach (var w in workers) w.Dispose();
            output.WriteLine(Logs());
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
