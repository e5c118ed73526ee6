using System.Collections.Concurrent;
using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.TestHost;
using LongRopeSearch.Cluster.Workers;
using Xunit;

namespace LongRopeSearch.Cluster.Tests;

[Collection(PostgresCollection.Name)]
public sealed class WorkerHostTests(PostgresServer server)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Each_work_item_is_evaluated_exactly_once_and_a_duplicate_enqueue_is_not_counted()
    {
        var options = TestTimings.Options();
        await using var db = await ClusterDatabase.ConnectAsync(await server.CreateDatabaseAsync());
        var me = InProcessWorker.Identity("w", "n1", "model-x");
        var calls = new ConcurrentDictionary<long, int>();
        var evaluator = new StandInEvaluator(0, Directory.CreateTempSubdirectory("lrs-markers").FullName);
        using var host = await InProcessWorker.StartAsync(db, me, options, (r, f, ct) =>
        {
            calls.AddOrUpdate(r.CandidateId, 1, (_, n) => n + 1);
            return evaluator.Evaluate(r, f, ct);
        });
        var coordinator = new TestCoordinator(db, options);
        await coordinator.Jobs.CreateAsync("j1", "{}", default);
        var signature = me.Signatures[0];
        long[] ids = [0, 1, 2, 3, 4, 5];
        foreach (var id in ids) coordinator.Dispatcher.Enqueue(TestCoordinator.Request("j1", id, signature));
        coordinator.Dispatcher.Enqueue(TestCoordinator.Request("j1", 2, signature));  // the same candidate twice

        var records = await coordinator.WaitAsync("j1", ids, Patience);
        await host.StopAsync();

        Assert.Equal(ids, records.Select(r => r.CandidateId).Order());
        foreach (var r in records)
        {
            Assert.Equal(StandInEvaluator.ExpectedNll(TestCoordinator.Request("j1", r.CandidateId, signature)), r.Score.PerSampleNll);
            Assert.Equal(me.Id, r.WorkerId);
        }
        // The duplicate ran after the first copy was recorded (one worker, FIFO), so it was skipped before evaluating.
        Assert.All(ids, id => Assert.Equal(1, calls[id]));
        Assert.Equal(6, (await coordinator.Store.ReadAsync("j1", "long-64", null, default)).Count);
        var row = (await new WorkerRegistry(db).ListAsync(TimeSpan.FromMinutes(1), default)).Single();
        Assert.Equal(6, row.EvaluationsDone);
        Assert.NotNull(row.StoppedAt);
    }

    [Fact]
    public async Task An_evaluation_failing_on_every_attempt_is_recorded_with_its_reason_and_fails_the_wait()
    {
        var options = TestTimings.Options();
        await using var db = await ClusterDatabase.ConnectAsync(await server.CreateDatabaseAsync());
        var me = InProcessWorker.Identity("w", "n1", "model-x");
        var attempts = 0;
        var evaluator = new StandInEvaluator(0, Directory.CreateTempSubdirectory("lrs-markers").FullName);
        using var host = await InProcessWorker.StartAsync(db, me, options, (r, f, ct) =>
        {
            Interlocked.Increment(ref attempts);
            return evaluator.Evaluate(r, f, ct);
        });
        var coordinator = new TestCoordinator(db, options);
        await coordinator.Jobs.CreateAsync("j2", "{}", default);
        coordinator.Dispatcher.Enqueue(TestCoordinator.Request("j2", 0, me.Signatures[0]));
        coordinator.Dispatcher.Enqueue(TestCoordinator.Request("j2", 1, me.Signatures[0], key: "fail-shard-3"));

        var e = await Assert.ThrowsAsync<EvaluationFailedException>(() => coordinator.WaitAsync("j2", [0, 1], Patience));
        var worker = (await new WorkerRegistry(db).ListAsync(TimeSpan.FromMinutes(1), default)).Single();
        await host.StopAsync();

        Assert.Null(worker.BusyOn);  // a failed attempt does not leave the worker shown busy on it
        Assert.Null(worker.StoppedAt);

        Assert.Equal(1, e.Failure.CandidateId);
        Assert.Equal(options.EvaluationAttempts, e.Failure.Attempts);
        Assert.Equal("InvalidDataException: shard for fail-shard-3 is corrupt (stand-in failure)", e.Failure.Error);
        Assert.Contains("candidate 1 of j2/long-64 failed after 2 attempt(s)", e.Message);
        Assert.Equal(1 + options.EvaluationAttempts, attempts);
        Assert.Single(await coordinator.Store.ReadAsync("j2", "long-64", null, default));
    }

    [Fact]
    public async Task A_worker_whose_numerics_or_models_differ_never_receives_the_jobs_evaluations()
    {
        var options = TestTimings.Options();
        await using var db = await ClusterDatabase.ConnectAsync(await server.CreateDatabaseAsync());
        var eligible = InProcessWorker.Identity("eligible", "n1", "model-x");
        var otherNumerics = InProcessWorker.Identity("other-numerics", "n2", "model-x");
        var otherModel = InProcessWorker.Identity("other-model", "n1", "model-z");
        var ran = new ConcurrentBag<string>();
        var evaluator = new StandInEvaluator(20, Directory.CreateTempSubdirectory("lrs-markers").FullName);
        EvaluateCandidate Tagged(WorkerIdentity w) => (r, f, ct) => { ran.Add(w.Host); return evaluator.Evaluate(r, f, ct); };
        // The ineligible workers start first and idle on their queues while the job's items wait.
        using var h2 = await InProcessWorker.StartAsync(db, otherNumerics, options, Tagged(otherNumerics));
        using var h3 = await InProcessWorker.StartAsync(db, otherModel, options, Tagged(otherModel));
        var coordinator = new TestCoordinator(db, options);
        await coordinator.Jobs.CreateAsync("j3", "{}", default);
        long[] ids = [0, 1, 2, 3];
        foreach (var id in ids) coordinator.Dispatcher.Enqueue(TestCoordinator.Request("j3", id, eligible.Signatures[0]));
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Empty(ran);
        using var h1 = await InProcessWorker.StartAsync(db, eligible, options, Tagged(eligible));

        var records = await coordinator.WaitAsync("j3", ids, Patience);
        await Task.WhenAll(h1.StopAsync(), h2.StopAsync(), h3.StopAsync());

        Assert.All(records, r => Assert.Equal(eligible.Id, r.WorkerId));
        Assert.Equal(["eligible"], ran.Distinct());
    }

    [Fact]
    public async Task A_postgresql_restart_mid_evaluation_costs_a_pause_not_the_evaluation()
    {
        var options = TestTimings.Options(invisibilitySeconds: 10);
        await using var db = await ClusterDatabase.ConnectAsync(await server.CreateDatabaseAsync());
        var me = InProcessWorker.Identity("w", "n1", "model-x");
        var started = new TaskCompletionSource();
        var calls = 0;
        var evaluator = new StandInEvaluator(3000, Directory.CreateTempSubdirectory("lrs-markers").FullName);
        using var host = await InProcessWorker.StartAsync(db, me, options, (r, f, ct) =>
        {
            Interlocked.Increment(ref calls);
            started.TrySetResult();
            return evaluator.Evaluate(r, f, ct);
        });
        var coordinator = new TestCoordinator(db, options);
        await coordinator.Jobs.CreateAsync("j4", "{}", default);
        coordinator.Dispatcher.Enqueue(TestCoordinator.Request("j4", 0, me.Signatures[0]));
        await started.Task.WaitAsync(Patience);
        var waiting = coordinator.WaitAsync("j4", [0], Patience);  // the coordinator's LISTEN session is open
        await Task.Delay(200);

        server.Restart();  // fast shutdown: every connection (worker, Hangfire, the coordinator's LISTEN) is cut
        var restartedAt = DateTime.UtcNow;

        // The evaluation in hand is recorded after the restart and the waiting coordinator sees it; work enqueued
        // after the restart flows as before.
        var first = await waiting;
        coordinator.Dispatcher.Enqueue(TestCoordinator.Request("j4", 1, me.Signatures[0]));
        var second = await coordinator.WaitAsync("j4", [1], Patience);
        await Task.Delay(options.HeartbeatInterval * 3);
        var row = (await new WorkerRegistry(db).ListAsync(TimeSpan.FromMinutes(1), default)).Single();
        await host.StopAsync();

        Assert.Single(first);
        Assert.Single(second);
        Assert.Equal(2, calls);  // neither evaluation was run twice
        Assert.True(row.LastHeartbeat > restartedAt, $"heartbeat {row.LastHeartbeat:O} not after the restart at {restartedAt:O}");
    }
}
