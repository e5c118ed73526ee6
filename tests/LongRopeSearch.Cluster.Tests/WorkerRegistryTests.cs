using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Workers;
using Xunit;

namespace LongRopeSearch.Cluster.Tests;

[Collection(PostgresCollection.Name)]
public sealed class WorkerRegistryTests(PostgresServer server)
{
    [Fact]
    public async Task Announce_heartbeat_busy_and_stop_are_what_the_status_view_lists()
    {
        await using var db = await ClusterDatabase.ConnectAsync(await server.CreateDatabaseAsync());
        var registry = new WorkerRegistry(db);
        var a = new WorkerIdentity("host-a:1:1", "host-a", 1, 16, "avx512", "n1", ["model-x", "model-y"]);
        var b = new WorkerIdentity("host-b:2:2", "host-b", 2, 8, "avx2", "n1", ["model-x"]);
        await registry.AnnounceAsync(a, default);
        await registry.AnnounceAsync(b, default);

        var first = (await registry.ListAsync(TimeSpan.FromMinutes(1), default)).Single(w => w.Id == a.Id);
        Assert.Equal(("host-a", 16, "avx512", "n1"), (first.Host, first.Cores, first.Simd, first.NumericsVersion));
        Assert.Equal(["model-x", "model-y"], first.ModelFingerprints);
        Assert.Equal(a.Signatures.Select(s => s.Queue), first.Signatures);
        Assert.True(first.Alive);
        Assert.Null(first.BusyOn);

        await Task.Delay(50);
        Assert.True(await registry.HeartbeatAsync(a.Id, default));
        await registry.SetBusyAsync(a.Id, "job/long-64/3", finishedOne: false, default);
        var busy = (await registry.ListAsync(TimeSpan.FromMinutes(1), default)).Single(w => w.Id == a.Id);
        Assert.True(busy.LastHeartbeat > first.LastHeartbeat);
        Assert.Equal("job/long-64/3", busy.BusyOn);
        await registry.SetBusyAsync(a.Id, null, finishedOne: true, default);
        await registry.MarkStoppedAsync(b.Id, default);

        var rows = await registry.ListAsync(TimeSpan.FromMinutes(1), default);
        var idle = rows.Single(w => w.Id == a.Id);
        Assert.Null(idle.BusyOn);
        Assert.Equal(1, idle.EvaluationsDone);
        Assert.False(rows.Single(w => w.Id == b.Id).Alive);  // stopped cleanly
        Assert.False(await registry.HeartbeatAsync("nobody:0:0", default));

        // A worker that stopped heartbeating is dead once the window has passed.
        await Task.Delay(300);
        Assert.False((await registry.ListAsync(TimeSpan.FromMilliseconds(200), default)).Single(w => w.Id == a.Id).Alive);
    }

    [Fact]
    public void Workers_with_other_numerics_or_models_listen_to_other_queues()
    {
        var q = new NumericsSignature("n1", "model-x").Queue;
        Assert.Matches("^ev-[0-9a-f]{16}$", q);
        Assert.Equal(q, new NumericsSignature("n1", "model-x").Queue);
        Assert.NotEqual(q, new NumericsSignature("n2", "model-x").Queue);
        Assert.NotEqual(q, new NumericsSignature("n1", "model-z").Queue);
        // The separator keeps ("a", "bc") and ("ab", "c") apart.
        Assert.NotEqual(new NumericsSignature("a", "bc").Queue, new NumericsSignature("ab", "c").Queue);
    }
}
