using System.Diagnostics;
using LongRopeSearch.TestSupport;
using Npgsql;
using Xunit;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// A real PostgreSQL server for the test run, started and stopped by tools/pg.sh (initdb in a temporary directory,
/// a free localhost port, an unprivileged user; one definition of how to run PostgreSQL for tests, CI and benches).
/// Missing server binaries make every test FAIL with the install command: a skipped cluster test would let a broken
/// cluster pass CI. The script's watcher deletes the server even if this test process is killed.
/// Each test gets its own database (<see cref="CreateDatabaseAsync"/>), so tests never see each other's rows.
/// </summary>
public sealed class PostgresServer : IDisposable
{
    public PostgresServer()
    {
        var (code, stdout, stderr) = Script("start", "--owner-pid", Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (code != 0) throw new InvalidOperationException($"tools/pg.sh start failed (exit {code}): {stderr.Trim()}");
        Directory = stdout.Trim();
        var (envCode, env, envErr) = Script("env", Directory);
        if (envCode != 0) throw new InvalidOperationException($"tools/pg.sh env failed: {envErr.Trim()}");
        var line = env.Split('\n').Single(l => l.StartsWith("export LONGROPE_PG=", StringComparison.Ordinal));
        AdminConnectionString = line["export LONGROPE_PG=".Length..].Trim('\'');
    }

    /// <summary>The server's folder (tools/pg.sh handle).</summary>
    public string Directory { get; }

    /// <summary>Connection string of the database "longrope" as the superuser.</summary>
    public string AdminConnectionString { get; }

    public int Port => new NpgsqlConnectionStringBuilder(AdminConnectionString).Port;

    /// <summary>A fresh, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "t_" + Guid.NewGuid().ToString("N")[..12];
        // Outside the pool: a pooled admin session would be stale after Restart().
        await using (var c = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(AdminConnectionString) { Pooling = false }.ConnectionString))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE {name}", c);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>pg_ctl stop -m fast, then (after <paramref name="downSeconds"/>) start on the same port: every open connection is cut.</summary>
    public void Restart(int downSeconds = 0)
    {
        var (code, _, stderr) = Script("restart", Directory, downSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        if (code != 0) throw new InvalidOperationException($"tools/pg.sh restart failed: {stderr.Trim()}");
    }

    public void Dispose()
    {
        NpgsqlConnection.ClearAllPools();
        Script("stop", Directory);
    }

    private static (int Code, string Stdout, string Stderr) Script(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(RepoPaths.Combine("tools", "pg.sh"));
        foreach (var a in args) start.ArgumentList.Add(a);
        using var p = Process.Start(start)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2))) { p.Kill(true); throw new TimeoutException("tools/pg.sh " + string.Join(' ', args)); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>All cluster tests share one server and run one after another (the restart test cuts every connection).</summary>
[CollectionDefinition(Name)]
public sealed class PostgresCollection : ICollectionFixture<PostgresServer>
{
    public const string Name = "postgres";
}
