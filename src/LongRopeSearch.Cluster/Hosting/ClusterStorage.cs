using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using LongRopeSearch.Cluster.Database;

namespace LongRopeSearch.Cluster.Hosting;

/// <summary>
/// Hangfire's storage on the cluster database (schema <c>hangfire</c>, created by Hangfire.PostgreSql itself), with
/// the two options the cluster depends on: long polling (LISTEN/NOTIFY wakes an idle worker when an item is
/// enqueued, instead of the 15 s default poll) and the sliding invisibility timeout (an item is re-offered only when
/// its holder stops refreshing it, so a long evaluation is never handed out twice while its worker lives).
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
            EnableLongPolling = true,
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = options.InvisibilityTimeout,
            QueuePollInterval = options.QueuePollInterval,
            // The backstop poll may be below Hangfire.PostgreSql's suggested 50 ms minimum only in tests; allow it.
            AllowUnsafeValues = true,
        };
        return new PostgreSqlStorage(new NpgsqlConnectionFactory(db.ConnectionString, storageOptions), storageOptions);
    }
}
