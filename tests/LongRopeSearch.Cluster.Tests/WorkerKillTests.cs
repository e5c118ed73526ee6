using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Hosting;
using LongRopeSearch.Cluster.TestHost;
using LongRopeSearch.Cluster.Workers;
using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>Worker processes killed with SIGKILL mid-work: nothing is lost, nothing is run twice while its holder lives.</summary>
[Collection(PostgresCollection.Name)]
public sealed class WorkerKillTests(PostgresServer server, ITestOutputHelper output)
{
    private const int InvisibilitySeconds = 3;

    [Fact]
    public async Task A_long_evaluation_stays_with_its_worker_and_a_killed_workers_item_is_redone_by_another()
    {
        var cs = await server.CreateDatabaseAsync();
        await using var db = await ClusterDatabase.ConnectAsync(cs);
        var markers = Directory.CreateTempSubdirectory("lrs-markers").FullName;
        var options = TestTimings.Options(InvisibilitySeconds);
        var coordinator = new TestCoordinator(db, options);
        await coordinator.Jobs.CreateAsync("k1", "{}", default);
        var signature = new NumericsSignature("n1", "model-x");

        // One item that takes 4x the invisibility timeout, two idle eligible workers: only the sliding keep-alive
        // keeps the item from the idle one while its holder lives.
        var evalMs = 4 * InvisibilitySeconds * 1000;
        using var a = WorkerProcess.Start(cs, "n1", "model-x", evalMs, markers, InvisibilitySeconds);
        using var b = WorkerProcess.Start(cs, "n1", "model-x", evalMs, markers, InvisibilitySeconds);
        string Logs() => $"--- worker {a.Pid}\n{a.Log}\n--- worker {b.Pid}\n{b.Log}";
        coordinator.Dispatcher.Enqueue(TestCoordinator.Request("k1", 0, signature));

        var victimStart = (await Marker.WaitForAsync(markers, "start", 1, TimeSpan.FromSeconds(90), Logs))[0];
        var victim = victimStart.Pid == a.Pid ? a : b;
        var survivor = victim == a ? b : a;
        await Task.Delay(TimeSpan.FromSeconds(2 * InvisibilitySeconds));
        Assert.Single(Marker.Read(markers, "start"));  // the idle worker was not handed the item
        victim.KillHard();
        var killedAt = DateTime.UtcNow;

        var records = await coordinator.WaitAsync("k1", [0], TimeSpan.FromSeconds(120));
        var starts = Marker.Read(markers, "start");
        var redo = starts.Single(m => m.Pid == survivor.Pid);
        var handover = (redo.At - killedAt).TotalSeconds;
        output.WriteLine($"candidate 0: started by {victim.Pid}, killed {(killedAt - victimStart.At).TotalSeconds:0.0} s in; " +
                         $"restarted by {survivor.Pid} {handover:0.00} s after the kill (invisibility {InvisibilitySeconds} s)");

        var record = Assert.Single(records);
        Assert.Equal(StandInEvaluator.ExpectedNll(TestCoordinator.Request("k1", 0, signature)), record.Score.PerSampleNll);
        Assert.Equal(survivor.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), record.WorkerId.Split(':')[1]);
        Assert.Equal(2, starts.Count);
        Assert.Single(await coordinator.Store.ReadAsync("k1", "long-64", null, default));
        // Handed over when the killed holder's last keep-alive ran out (about the timeout after the kill: keep-alives
        // come about every second, so on a loaded machine the last one may be older), plus one poll; the upper bound
        // leaves room for a loaded machine. That the item is not handed over while its holder lives is asserted above.
        Assert.InRange(handover, 0, InvisibilitySeconds + 10);
    }

    [Fact]
    public async Task A_worker_stopped_with_sigterm_returns_its_item_at_once_and_is_marked_stopped()
    {
        var cs = await server.CreateDatabaseAsync();
        await using var db = await ClusterDatabase.ConnectAsync(cs);
        var markers = Directory.CreateTempSubdirectory("lrs-markers").FullName;
        const int longInvisibility = 60;  // a redelivery by timeout would take a minute; a returned item is taken at once
        var coordinator = new TestCoordinator(db, TestTimings.Options(longInvisibility));
        await coordinator.Jobs.CreateAsync("t1", "{}", default);
        using var a = WorkerProcess.Start(cs, "n1", "model-x", 8000, markers, longInvisibility);
        using var b = WorkerProcess.Start(cs, "n1", "model-x", 8000, markers, longInvisibility);
        string Logs() => $"--- worker {a.Pid}\n{a.Log}\n--- worker {b.Pid}\n{b.Log}";
        coordinator.Dispatcher.Enqueue(TestCoordinator.Request("t1", 0, new NumericsSignature("n1", "model-x")));

        var first = (await Marker.WaitForAsync(markers, "start", 1, TimeSpan.FromSeconds(90), Logs))[0];
        var stopped = first.Pid == a.Pid ? a : b;
        var other = stopped == a ? b : a;
        await Task.Delay(1000);
        var termAt = DateTime.UtcNow;
        Assert.True(stopped.Terminate(TimeSpan.FromSeconds(30)), "the worker did not exit on SIGTERM\n" + Logs());

        var redo = (await Marker.WaitForAsync(markers, "start", 2, TimeSpan.FromSeconds(30), Logs))[1];
        output.WriteLine($"SIGTERM to {stopped.Pid}: item restarted by {other.Pid} {(redo.At - termAt).TotalSeconds:0.00} s later");
        Assert.Equal(other.Pid, redo.Pid);
        Assert.True((redo.At - termAt).TotalSeconds < longInvisibility / 2.0);
        Assert.DoesNotContain(Marker.Read(markers, "end"), m => m.Pid == stopped.Pid);  // the evaluation was cancelled, not finished
        var record = Assert.Single(await coordinator.WaitAsync("t1", [0], TimeSpan.FromSeconds(60)));
        Assert.Equal(other.Pid.ToString(System.Globalization.CultureInfo.InvariantCulture), record.WorkerId.Split(':')[1]);
        var rows = await new WorkerRegistry(db).ListAsync(TimeSpan.FromMinutes(1), default);
        Assert.NotNull(rows.Single(w => w.Pid == stopped.Pid).StoppedAt);
    }

    [Fact]
    public async Task A_killed_coordinator_is_continued_by_another_process_from_its_last_checkpoint()
    {
        var cs = await server.CreateDatabaseAsync();
        await using var db = await ClusterDatabase.ConnectAsync(cs);
        var markers = Directory.CreateTempSubdirectory("lrs-markers").FullName;
        var jobs = new Jobs.ClusterJobs(db);
        await jobs.CreateAsync("c1", "{}", default);
        using var a = WorkerProcess.Start(cs, "n1", "model-x", 0, markers, InvisibilitySeconds, coordinatorSlots: 1);
        using var b = WorkerProcess.Start(cs, "n1", "model-x", 0, markers, InvisibilitySeconds, coordinatorSlots: 1);
        string Logs() => $"--- {a.Pid}\n{a.Log}\n--- {b.Pid}\n{b.Log}";

        var client = new BackgroundJobClient(ClusterStorage.Create(db, TestTimings.Options(InvisibilitySeconds)));
        var job = Job.FromExpression<SpikeCoordinatorJob>(j => j.RunAsync("c1", 12, 500, markers, CancellationToken.None), WorkerHostSettings.CoordinatorQueue);
        client.Create(job, new EnqueuedState(WorkerHostSettings.CoordinatorQueue));

        var deadlineStart = DateTime.UtcNow.AddSeconds(90);
        while (Directory.GetFiles(markers, "coord-*").Length == 0)
        {
            Assert.True(DateTime.UtcNow < deadlineStart, "no coordinator started\n" + Logs());
            await Task.Delay(50);
        }
        var first = Path.GetFileName(Directory.GetFiles(markers, "coord-*").Single());  // coord-<pid>-from-<generation>
        Assert.EndsWith("-from-0", first);
        var holder = first == $"coord-{a.Pid}-from-0" ? a : b;
        var other = holder == a ? b : a;
        while ((await jobs.GetAsync("c1", default))!.Generation is not >= 3) await Task.Delay(100);
        holder.KillHard();
        var killedAt = DateTime.UtcNow;
        var generationAtKill = (await jobs.GetAsync("c1", default))!.Generation!.Value;

        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((await jobs.GetAsync("c1", default))!.Status != "done")
        {
            Assert.True(DateTime.UtcNow < deadline, "the job did not finish after its coordinator was killed\n" + Logs());
            await Task.Delay(100);
        }
        var resumed = Directory.GetFiles(markers, $"coord-{other.Pid}-from-*").Single();
        var from = int.Parse(resumed[(resumed.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        var row = (await jobs.GetAsync("c1", default))!;
        output.WriteLine($"coordinator {holder.Pid} killed at generation {generationAtKill}; {other.Pid} resumed from {from}, " +
                         $"{(File.GetLastWriteTimeUtc(resumed) - killedAt).TotalSeconds:0.00} s after the kill");

        Assert.Equal(generationAtKill, from);  // resumed from the last checkpoint, not from 0
        Assert.Equal(12, row.Generation);
        Assert.StartsWith($"{Environment.MachineName}:{other.Pid}:", row.Coordinator);
    }
}
