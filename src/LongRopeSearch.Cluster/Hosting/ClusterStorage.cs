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
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(db.ConnectionString, storageOptions), storageOptions);
    }
}
