using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using LongRopeSearch.Cluster.Database;

namespace LongRopeSearch.Cluster.Hosting;

/// <summary>
/// Hangfire's storage on the cluster database (schema <c>hangfire</c>, created by Hangfire.PostgreSql itself) with the
/// sliding invisibility timeout the cluster depends on (an item is re-offered only when its holder stops refreshing
/// it, so a long evaluation is never handed out twice while its worker lives) and a short queue poll instead of the
/// 15 s default.
/// Long polling (<c>EnableLongPolling</c>, LISTEN/NOTIFY on enqueue) stays OFF: with Hangfire.PostgreSql 1.21.1 on
/// Npgsql 10.0.3 a worker thread hung for good in <c>PostgreSqlJobQueue.Dequeue</c> waiting for its listener task
/// (seen once in ~100 dequeues on a loaded machine; docs/cluster.md), holding a fetched item that its keep-alives
/// then kept invisible forever. An idle worker therefore finds a new generation within one poll; inside a generation
/// a worker that finishes an item fetches the next at once.
/// </summary>
public static class ClusterStorage
{
    public const string SchemaName = "hangfire";

    private const long InstallLockKey = 0x4C6F6E6748616E67;  // "LongHang"

    public static PostgreSqlStorage Create(ClusterDatabase db, ClusterOptions options)
    {
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = SchemaName,
            PrepareSchemaIfNecessary = true,
            EnableLongPolling = false,
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = options.InvisibilityTimeout,
            QueuePollInterval = options.QueuePollInterval,
            DistributedLockTimeout = options.DistributedLockTimeout,
        };
        // Hangfire.PostgreSql installs its schema from the constructor without a lock of its own: two processes
        // starting at once can fail it ("could not find tuple for constraint"), so installs take turns here.
        using var turn = db.Source.OpenConnection();
        using (var lockCmd = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_lock({InstallLockKey})", turn)) lockCmd.ExecuteNonQuery();
        try
        {
            return new PostgreSqlStorage(new NpgsqlConnectionFactory(db.ConnectionString, storageOptions), storageOptions);
        }
        finally
        {
            using var unlock = new Npgsql.NpgsqlCommand($"SELECT pg_advisory_unlock({InstallLockKey})", turn);
            unlock.ExecuteNonQuery();
        }
    }
}
