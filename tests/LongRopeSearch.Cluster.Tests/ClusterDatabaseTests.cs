using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Core;
using Npgsql;
using Xunit;

namespace LongRopeSearch.Cluster.Tests;

[Collection(PostgresCollection.Name)]
public sealed class ClusterDatabaseTests(PostgresServer server)
{
    [Fact]
    public async Task Connect_creates_every_table_at_the_current_version_and_concurrent_starts_apply_it_once()
    {
        var cs = await server.CreateDatabaseAsync();
        // Eight processes starting at once: the advisory lock serialises them; none fails, the schema is created once.
        var dbs = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => ClusterDatabase.ConnectAsync(cs)));
        foreach (var db in dbs) await db.DisposeAsync();

        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using (var version = new NpgsqlCommand("SELECT version, count(*) OVER () FROM longrope.schema_version", c))
        await using (var r = await version.ExecuteReaderAsync())
        {
            Assert.True(await r.ReadAsync());
            Assert.Equal(3, r.GetInt32(0));
            Assert.Equal(1L, r.GetInt64(1));
        }
        Assert.Equal(3, ClusterSchema.Version);
        await using var tables = new NpgsqlCommand(
            "SELECT string_agg(table_name, ',' ORDER BY table_name) FROM information_schema.tables WHERE table_schema = 'longrope'", c);
        Assert.Equal("evaluation_failures,evaluations,evaluations_in_flight,jobs,schema_version,workers", await tables.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_database_of_a_newer_schema_version_is_refused_with_one_line_and_left_untouched()
    {
        var cs = await server.CreateDatabaseAsync();
        await (await ClusterDatabase.ConnectAsync(cs)).DisposeAsync();
        await Sql(cs, "UPDATE longrope.schema_version SET version = 7");

        var e = await Assert.ThrowsAsync<InputException>(() => ClusterDatabase.ConnectAsync(cs));
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("--cluster", e.Message);
        Assert.Contains("longrope.schema_version", e.Message);
        Assert.Contains("found version 7", e.Message);
        Assert.Equal(7, await Sql(cs, "SELECT version FROM longrope.schema_version"));
    }

    [Fact]
    public async Task A_foreign_longrope_schema_without_a_version_table_is_refused()
    {
        var cs = await server.CreateDatabaseAsync();
        await Sql(cs, "CREATE SCHEMA longrope; CREATE TABLE longrope.other (x int)");
        var e = await Assert.ThrowsAsync<InputException>(() => ClusterDatabase.ConnectAsync(cs));
        Assert.Contains("without a schema_version table", e.Message);
    }

    [Fact]
    public async Task A_wrong_password_is_one_line_naming_the_argument_without_the_password()
    {
        var cs = new NpgsqlConnectionStringBuilder(await server.CreateDatabaseAsync()) { Password = "not-the-password" }.ConnectionString;
        var e = await Assert.ThrowsAsync<InputException>(() => ClusterDatabase.ConnectAsync(cs));
        Assert.StartsWith("--cluster: Username/Password: expected credentials that 127.0.0.1:", e.Message);
        Assert.DoesNotContain("not-the-password", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task An_unreachable_server_is_one_line_naming_host_and_port()
    {
        // The server's port with the server stopped is not possible here (shared server); a port nothing listens on is.
        using var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        probe.Start();
        var port = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var cs = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Port = port, Timeout = 5 }.ConnectionString;
        var e = await Assert.ThrowsAsync<InputException>(() => ClusterDatabase.ConnectAsync(cs));
        Assert.StartsWith($"--cluster: Host/Port: expected a PostgreSQL server reachable at 127.0.0.1:{port}/longrope, found ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public async Task A_missing_database_and_a_malformed_string_are_one_line_each()
    {
        var missing = new NpgsqlConnectionStringBuilder(server.AdminConnectionString) { Database = "no_such_db" }.ConnectionString;
        var e1 = await Assert.ThrowsAsync<InputException>(() => ClusterDatabase.ConnectAsync(missing));
        Assert.StartsWith("--cluster: Database: expected an existing database on 127.0.0.1:", e1.Message);

        var e2 = await Assert.ThrowsAsync<InputException>(() => ClusterDatabase.ConnectAsync("Hots=db;Database=x"));
        Assert.StartsWith("--cluster: expected an Npgsql connection string", e2.Message);
        var e3 = await Assert.ThrowsAsync<InputException>(() => ClusterDatabase.ConnectAsync("Host=db"));
        Assert.Contains("Database", e3.Message);
    }

    [Fact]
    public async Task A_role_without_the_right_to_create_the_schema_is_one_line()
    {
        var cs = await server.CreateDatabaseAsync();
        var role = "r_" + Guid.NewGuid().ToString("N")[..8];
        await Sql(cs, $"CREATE ROLE {role} LOGIN PASSWORD 'pw'; REVOKE CREATE ON DATABASE {new NpgsqlConnectionStringBuilder(cs).Database} FROM PUBLIC");
        var limited = new NpgsqlConnectionStringBuilder(cs) { Username = role, Password = "pw" }.ConnectionString;
        var e = await Assert.ThrowsAsync<InputException>(() => ClusterDatabase.ConnectAsync(limited));
        Assert.StartsWith("--cluster: Username: expected a role that may create schemas and tables in 127.0.0.1:", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    internal static async Task<object?> Sql(string cs, string sql)
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand(sql, c);
        return await cmd.ExecuteScalarAsync();
    }
}
