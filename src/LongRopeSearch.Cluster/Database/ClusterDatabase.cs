using System.Net.Sockets;
using LongRopeSearch.Core;
using Npgsql;

namespace LongRopeSearch.Cluster.Database;

/// <summary>
/// The cluster's PostgreSQL database: one pooled data source per process, built from the user's connection string.
/// <see cref="ConnectAsync"/> is the first contact and turns every way a connection string can be wrong (malformed,
/// unreachable server, refused credentials, missing database, another schema version) into one
/// <see cref="InputException"/> line naming <see cref="Argument"/>; the password never appears in a message.
/// </summary>
public sealed class ClusterDatabase : IAsyncDisposable
{
    /// <summary>The command-line argument the connection string comes from, named in every error.</summary>
    public const string Argument = "--cluster";

    private const string Example = "an Npgsql connection string such as \"Host=db;Port=5432;Username=longrope;Password=...;Database=longrope\"";

    private ClusterDatabase(NpgsqlDataSource source, string connectionString, string where)
    {
        Source = source;
        ConnectionString = connectionString;
        Where = where;
    }

    public NpgsqlDataSource Source { get; }

    /// <summary>host:port/database, for messages (no credentials).</summary>
    public string Where { get; }

    /// <summary>The connection string with its password (Npgsql's data source hides it), for Hangfire's storage.</summary>
    public string ConnectionString { get; }

    /// <summary>Parses the connection string; an unparsable one is an <see cref="InputException"/>. No I/O.</summary>
    public static ClusterDatabase Create(string connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InputException(Argument, "", Example, "an empty value");
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new InputException(Argument, "", Example, e.Message, e);
        }
        if (string.IsNullOrEmpty(builder.Host))
            throw new InputException(Argument, "Host", Example, "no Host");
        if (string.IsNullOrEmpty(builder.Database))
            throw new InputException(Argument, "Database", Example, "no Database");
        // The cluster's own connections are few per process; Hangfire keeps its own pool on the same string.
        builder.ApplicationName ??= "longrope";
        var where = $"{builder.Host}:{builder.Port}/{builder.Database}";
        return new ClusterDatabase(new NpgsqlDataSourceBuilder(builder.ConnectionString).Build(), builder.ConnectionString, where);
    }

    /// <summary>
    /// Parses, connects once (no retry: a wrong string should fail now, not after minutes of backoff), and applies the
    /// schema migrations (<see cref="ClusterSchema"/>). Every failure is an <see cref="InputException"/> of one line.
    /// </summary>
    public static async Task<ClusterDatabase> ConnectAsync(string connectionString, CancellationToken ct = default)
    {
        var db = Create(connectionString);
        try
        {
            await using (var connection = await db.OpenFirstAsync(ct))
                await ClusterSchema.EnsureAsync(connection, db.Where, ct);
            return db;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            await db.DisposeAsync();
            throw new InputException(Argument, "Username", $"a role that may create schemas and tables in {db.Where} (the first start creates them)", e.MessageText, e);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>Opens a pooled connection (callers wrap transient failures in <see cref="ConnectionRetry"/>).</summary>
    public ValueTask<NpgsqlConnection> OpenAsync(CancellationToken ct = default) => Source.OpenConnectionAsync(ct);

    /// <summary>A session outside the pool, for LISTEN and session-level advisory locks (state that must not leak into the pool).</summary>
    public async Task<NpgsqlConnection> OpenDedicatedAsync(CancellationToken ct = default)
    {
        var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString);
        try
        {
            await connection.OpenAsync(ct);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private async Task<NpgsqlConnection> OpenFirstAsync(CancellationToken ct)
    {
        try
        {
            return await Source.OpenConnectionAsync(ct);
        }
        catch (PostgresException e) when (e.SqlState is PostgresErrorCodes.InvalidPassword or PostgresErrorCodes.InvalidAuthorizationSpecification)
        {
            throw new InputException(Argument, "Username/Password", $"credentials that {Where} accepts", e.MessageText, e);
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InvalidCatalogName)
        {
            throw new InputException(Argument, "Database", $"an existing database on {Where} (create it with createdb)", e.MessageText, e);
        }
        catch (NpgsqlException e) when (e is not PostgresException)
        {
            var reason = e.InnerException is SocketException s ? s.Message : e.InnerException?.Message ?? e.Message;
            throw new InputException(Argument, "Host/Port", $"a PostgreSQL server reachable at {Where}", reason, e);
        }
    }

    public ValueTask DisposeAsync() => Source.DisposeAsync();
}
