using System.Reflection;
using LongRopeSearch.Core;
using Npgsql;

namespace LongRopeSearch.Cluster.Database;

/// <summary>
/// Our tables live in schema <c>longrope</c> (Hangfire's in <c>hangfire</c>). Migrations are the embedded scripts
/// Database/Migrations/NNNN_name.sql, applied in order at start in one transaction under an advisory lock, so any
/// number of processes can start at once. A database at an older version is brought up to <see cref="Version"/>;
/// one at a newer version (written by a newer longrope) or with a <c>longrope</c> schema but no version row is refused.
/// </summary>
public static class ClusterSchema
{
    public const string SchemaName = "longrope";

    // Any constant shared by every longrope process: serialises concurrent migrations (transaction-scoped lock).
    private const long MigrationLockKey = 0x4C6F6E67526F7065;  // "LongRope"

    private static readonly Lazy<IReadOnlyList<(int Version, string Name, string Sql)>> MigrationsLazy = new(LoadMigrations);

    /// <summary>The schema version this build reads and writes.</summary>
    public static int Version => MigrationsLazy.Value[^1].Version;

    /// <summary>Applies missing migrations or refuses the database; <paramref name="where"/> names it in errors.</summary>
    public static async Task EnsureAsync(NpgsqlConnection connection, string where, CancellationToken ct = default)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        await Execute(connection, tx, $"SELECT pg_advisory_xact_lock({MigrationLockKey})", ct);
        var current = await ReadVersionAsync(connection, tx, where, ct);
        if (current > Version)
            throw new InputException(ClusterDatabase.Argument, $"{where} {SchemaName}.schema_version",
                $"schema version {Version} (this longrope) or older; upgrade longrope on this machine", $"version {current}");
        if (current == Version)
        {
            await tx.CommitAsync(ct);
            return;
        }
        if (current == 0)
        {
            await Execute(connection, tx, $"""
                CREATE SCHEMA IF NOT EXISTS {SchemaName};
                CREATE TABLE {SchemaName}.schema_version (
                    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
                    version    integer NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now());
                INSERT INTO {SchemaName}.schema_version (version) VALUES (0);
                """, ct);
        }
        foreach (var (version, _, sql) in MigrationsLazy.Value.Where(m => m.Version > current))
        {
            await Execute(connection, tx, sql, ct);
            await Execute(connection, tx, $"UPDATE {SchemaName}.schema_version SET version = {version}, applied_at = now()", ct);
        }
        await tx.CommitAsync(ct);
    }

    /// <summary>0 when the database has no <c>longrope</c> schema at all; refuses a foreign one.</summary>
    private static async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction tx, string where, CancellationToken ct)
    {
        await using var probe = new NpgsqlCommand("""
            SELECT EXISTS (SELECT 1 FROM information_schema.schemata WHERE schema_name = @s),
                   EXISTS (SELECT 1 FROM information_schema.tables WHERE table_schema = @s AND table_name = 'schema_version')
            """, connection, tx);
        probe.Parameters.AddWithValue("s", SchemaName);
        bool schemaExists, tableExists;
        await using (var reader = await probe.ExecuteReaderAsync(ct))
        {
            await reader.ReadAsync(ct);
            schemaExists = reader.GetBoolean(0);
            tableExists = reader.GetBoolean(1);
        }
        if (!schemaExists) return 0;
        if (!tableExists)
            throw new InputException(ClusterDatabase.Argument, $"{where} {SchemaName}.schema_version",
                "a longrope cluster database (or an empty one)", $"a \"{SchemaName}\" schema without a schema_version table");
        await using var read = new NpgsqlCommand($"SELECT version FROM {SchemaName}.schema_version", connection, tx);
        return await read.ExecuteScalarAsync(ct) is int v
            ? v
            : throw new InputException(ClusterDatabase.Argument, $"{where} {SchemaName}.schema_version",
                "one row with the schema version", "no row");
    }

    private static async Task Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, CancellationToken ct)
    {
        await using var command = new NpgsqlCommand(sql, connection, tx);
        await command.ExecuteNonQueryAsync(ct);
    }

    private static List<(int, string, string)> LoadMigrations()
    {
        const string prefix = "LongRopeSearch.Cluster.Migrations.";
        var assembly = Assembly.GetExecutingAssembly();
        var list = new List<(int, string, string)>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)))
        {
            var file = name[prefix.Length..];
            var version = int.Parse(file.AsSpan(0, file.IndexOf('_', StringComparison.Ordinal)), System.Globalization.CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(name)!;
            using var reader = new StreamReader(stream);
            list.Add((version, file, reader.ReadToEnd()));
        }
        list.Sort((a, b) => a.Item1.CompareTo(b.Item1));
        for (var i = 0; i < list.Count; i++)
            if (list[i].Item1 != i + 1) throw new InvalidOperationException($"migration {list[i].Item2}: expected version {i + 1} (migrations are numbered 0001, 0002, ... without gaps)");
        return list;
    }
}
