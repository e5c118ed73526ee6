using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.TestSupport;
using Npgsql;
using Xunit;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// Bad input to the `--cluster` forms of the real tool: one line naming what is wrong and exit 2, nothing written;
/// and a job whose evaluations fail on every worker (a corrupt model shard) ends failed with the reason.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterCliInputTests(PostgresServer server)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);
    private static string Model => RepoPaths.Combine("tests", "fixtures", "models", "gqa");

    private static void AssertOneLine(int code, string stderr, params string[] expected)
    {
        Assert.True(code == 2, $"exit {code}, stderr:\n{stderr}");
        var lines = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var line = Assert.Single(lines);
        Assert.StartsWith("error: ", line);
        foreach (var e in expected) Assert.Contains(e, line);
    }

    [Fact]
    public void An_unreachable_server_is_one_line_and_exit_2_for_worker_search_and_status()
    {
        // A port nobody listens on: the server's own port + 1 is free only by chance, so take one the kernel just gave up.
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        var cs = $"Host=127.0.0.1;Port={port};Username=u;Password=secret-pw;Database=longrope;Timeout=5";
        foreach (var args in new[] { new[] { "worker", "--cluster", cs, "--model", Model }, ["status", "--cluster", cs] })
        {
            var (code, _, stderr) = LongropeProcess.Run(Timeout, args);
            AssertOneLine(code, stderr, "--cluster", "Host/Port", $"127.0.0.1:{port}/longrope");
            Assert.DoesNotContain("secret-pw", stderr);
        }
    }

    [Fact]
    public void A_malformed_connection_string_is_one_line_and_exit_2()
    {
        var (code, _, stderr) = LongropeProcess.Run(Timeout, "status", "--cluster", "Host=127.0.0.1;Nonsense=1");
        AssertOneLine(code, stderr, "--cluster");
    }

    [Fact]
    public async Task A_database_of_another_schema_version_is_one_line_and_exit_2()
    {
        var cs = await server.CreateDatabaseAsync();
        await (await ClusterDatabase.ConnectAsync(cs)).DisposeAsync();
        await Sql(cs, "UPDATE longrope.schema_version SET version = 7");
        var (code, _, stderr) = LongropeProcess.Run(Timeout, "worker", "--cluster", cs, "--model", Model);
        AssertOneLine(code, stderr, "--cluster", "longrope.schema_version", "found version 7");
        Assert.Equal(7, await Sql(cs, "SELECT version FROM longrope.schema_version"));
    }

    [Fact]
    public async Task A_worker_without_the_model_files_is_one_line_and_exit_2()
    {
        var cs = await server.CreateDatabaseAsync();
        using var tmp = new TempDir();
        var missing = Path.Combine(tmp.PathName, "no-model");
        var (code, _, stderr) = LongropeProcess.Run(Timeout, "worker", "--cluster", cs, "--model", missing);
        AssertOneLine(code, stderr, missing, "config.json", "--model");
    }

    [Fact]
    public async Task A_job_whose_evaluations_fail_on_every_worker_is_marked_failed_with_the_reason()
    {
        var cs = await server.CreateDatabaseAsync();
        using var tmp = new TempDir();
        // The worker's own copy of the model: announced intact, then its weights are corrupted (a bad disk, a bad copy).
        await using var db = await ClusterDatabase.ConnectAsync(cs);
        await using var worker = await FailingWorker.StartAsync(db, cs, tmp, copy => { foreach (var f in Directory.GetFiles(copy, "*.safetensors")) File.WriteAllBytes(f, [1, 2, 3]); });

        var row = await worker.SearchExpectingFailureAsync(db, cs, "bad-job");
        Assert.Contains("safetensors", row.Error);
    }

    [Fact]
    public async Task A_job_whose_worker_weights_hold_a_NaN_is_marked_failed_naming_the_file_and_tensor()
    {
        // As in process (EngineCandidateEvaluator): the NaN makes every score non-finite, the first one makes the worker
        // read its weights, and the attempt fails naming the file and tensor; never a non-finite result recorded.
        const string tensor = "model.layers.1.mlp.down_proj.weight";
        var cs = await server.CreateDatabaseAsync();
        using var tmp = new TempDir();
        await using var db = await ClusterDatabase.ConnectAsync(cs);
        string? file = null;
        await using var worker = await FailingWorker.StartAsync(db, cs, tmp, copy => file = ModelFiles.SetWeights(copy, tensor, 10, 1, float.NaN));

        var row = await worker.SearchExpectingFailureAsync(db, cs, "nan-job");
        Assert.Contains($"InputException: {file}: {tensor}: expected finite weights, found NaN at element 10", row.Error);
        // Every candidate in flight failed the same way (generation 0's items run one after another on the worker).
        var failures = await new Evaluations.EvaluationStore(db).ReadFailuresAsync("nan-job", default);
        Assert.NotEmpty(failures);
        Assert.All(failures, f => Assert.Contains($"{file}: {tensor}", f.Error));
        Assert.Equal(0L, await ClusterDatabaseTests.Sql(cs, "SELECT count(*) FROM longrope.evaluations"));
    }

    /// <summary>
    /// One `longrope worker` on its own copy of the model, announced intact (so the job is routed to it) and then
    /// broken by <c>breakModel</c> before any job arrives (a bad disk, a bad copy).
    /// </summary>
    private sealed class FailingWorker(LongropeProcess process, TempDir tmp) : IAsyncDisposable
    {
        public string Log => process.Stderr;

        public static async Task<FailingWorker> StartAsync(ClusterDatabase db, string cs, TempDir tmp, Action<string> breakModel)
        {
            var copy = ModelFiles.Copy(Model, Path.Combine(tmp.PathName, "gqa-copy"));
            var worker = new FailingWorker(LongropeProcess.Start("worker", "--cluster", cs, "--model", copy, "--threads", "1", "--invisibility-timeout", "3"), tmp);
            await ClusterEndToEndTests.WaitUntil(async () => (await new Workers.WorkerRegistry(db).ListAsync(TimeSpan.FromMinutes(1), default)).Any(w => w.Alive),
                Timeout, "the worker", () => worker.Log);
            breakModel(copy);
            return worker;
        }

        /// <summary>Submits a small job (from the intact model) and checks it ends failed after 3 attempts, said by `search` (exit 1).</summary>
        public async Task<ClusterJobRow> SearchExpectingFailureAsync(ClusterDatabase db, string cs, string jobId)
        {
            var space = Path.Combine(tmp.PathName, "space.json");
            File.WriteAllText(space, """{ "targets": ["2x"], "population": 4, "generations": 1, "parents": 2, "mutations": 2, "crossovers": 0, "samples": 1, "seed": 3 }""");
            var (code, stdout, stderr) = LongropeProcess.Run(TimeSpan.FromMinutes(3), "search", "--cluster", cs, "--model", Model, "--data", RepoPaths.SearchData,
                "--validation", RepoPaths.ValidationData, "--space", space, "--short", "0", "--out", Path.Combine(tmp.PathName, jobId));
            Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}\n--- worker\n{Log}");
            var row = (await new ClusterJobs(db).GetAsync(jobId, default))!;
            Assert.Equal("failed", row.Status);
            Assert.Contains("failed after 3 attempt(s)", row.Error);
            Assert.Contains($"job {jobId} failed: {row.Error}", stderr);
            return row;
        }

        public ValueTask DisposeAsync()
        {
            process.Dispose();
            return ValueTask.CompletedTask;
        }
    }

    private static async Task<int> Sql(string cs, string sql)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync() is int v ? v : 0;
    }
}
