using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Jobs;
using Xunit;

namespace LongRopeSearch.Cluster.Tests;

[Collection(PostgresCollection.Name)]
public sealed class CoordinatorLeaseTests(PostgresServer server)
{
    [Fact]
    public async Task One_coordinator_per_job_and_the_lease_survives_a_restart_only_if_nobody_took_it()
    {
        await using var db = await ClusterDatabase.ConnectAsync(await server.CreateDatabaseAsync());
        await using var first = await CoordinatorLease.TryAcquireAsync(db, "job-a", default);
        Assert.NotNull(first);
        Assert.Null(await CoordinatorLease.TryAcquireAsync(db, "job-a", default));  // held
        await using (var other = await CoordinatorLease.TryAcquireAsync(db, "job-b", default))
            Assert.NotNull(other);  // another job's lease is independent
        Assert.True(await first.VerifyAsync(default));

        // A restart ends the session and with it the lock; nobody took it meanwhile, so the holder takes it again.
        server.Restart();
        Assert.True(await first.VerifyAsync(default));
        Assert.Null(await CoordinatorLease.TryAcquireAsync(db, "job-a", default));

        // This time a competitor takes the free lease before the old holder notices: the old holder must stop.
        server.Restart();
        await using var competitor = await CoordinatorLease.TryAcquireAsync(db, "job-a", default);
        Assert.NotNull(competitor);
        Assert.False(await first.VerifyAsync(default));

        // Disposing releases at once (as a killed process's session end does).
        await competitor.DisposeAsync();
        await using var next = await CoordinatorLease.TryAcquireAsync(db, "job-a", default);
        Assert.NotNull(next);
    }
}
