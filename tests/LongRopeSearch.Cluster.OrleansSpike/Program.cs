using System.Diagnostics;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;

// silo    <cs> <silo port> <gateway port> <default|tuned>
// measure <cs> <default|tuned>: schema, 3 silos, kill -9 one, time until the membership table declares it dead;
//                               and a grain call round trip from one silo to a grain on another.
return args[0] switch
{
    "silo" => await Silo(args[1], int.Parse(args[2], CultureInfo.InvariantCulture), int.Parse(args[3], CultureInfo.InvariantCulture), args[4] == "tuned"),
    "measure" => await Measure(args[1], args[2]),
    _ => 2,
};

static async Task<int> Silo(string cs, int siloPort, int gatewayPort, bool tuned)
{
    var builder = Host.CreateApplicationBuilder();
    builder.Logging.SetMinimumLevel(LogLevel.Warning);
    builder.UseOrleans(silo =>
    {
        silo.UseAdoNetClustering(o => { o.Invariant = "Npgsql"; o.ConnectionString = cs; });
        silo.Configure<ClusterOptions>(o => { o.ClusterId = "spike"; o.ServiceId = "spike"; });
        silo.ConfigureEndpoints(IPAddress.Loopback, siloPort, gatewayPort);
        if (tuned)
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(2);
                o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(2);
            });
    });
    using var host = builder.Build();
    await host.StartAsync();
    var grains = host.Services.GetRequiredService<IGrainFactory>();
    Console.WriteLine($"silo {siloPort} up");
    // Ping mode: time grain calls to the grain keyed by the other silos' port (activated wherever Orleans places it).
    var sw = new Stopwatch();
    for (var i = 0; ; i++)
    {
        await Task.Delay(1000);
        if (i == 3)
        {
            var times = new List<double>();
            var g = grains.GetGrain<IPingGrain>(7);
            await g.Ping(0);
            for (var k = 0; k < 200; k++)
            {
                sw.Restart();
                await g.Ping(k);
                times.Add(sw.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            Console.WriteLine($"silo {siloPort}: grain call round trip ms p50 {times[100]:0.00} p95 {times[190]:0.00} (grain on {await g.Where()})");
        }
    }
}

static async Task<int> Measure(string cs, string mode)
{
    await using (var c = new NpgsqlConnection(cs))
    {
        await c.OpenAsync();
        foreach (var f in new[] { "PostgreSQL-Main.sql", "PostgreSQL-Clustering.sql" })
        {
            await using var cmd = new NpgsqlCommand(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, f)), c);
            await cmd.ExecuteNonQueryAsync();
        }
    }
    var dll = Path.Combine(AppContext.BaseDirectory, "LongRopeSearch.Cluster.OrleansSpike.dll");
    var silos = new List<Process>();
    var basePort = 21000 + Random.Shared.Next(1000) * 10;
    for (var i = 0; i < 3; i++)
    {
        var p = Process.Start(new ProcessStartInfo("dotnet", [dll, "silo", cs, (basePort + i).ToString(CultureInfo.InvariantCulture), (basePort + 5 + i).ToString(CultureInfo.InvariantCulture), mode]) { UseShellExecute = false })!;
        silos.Add(p);
    }
    async Task<Dictionary<int, int>> Statuses()
    {
        await using var c = new NpgsqlConnection(cs);
        await c.OpenAsync();
        await using var cmd = new NpgsqlCommand("SELECT port, status FROM orleansmembershiptable", c);
        var d = new Dictionary<int, int>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync()) d[r.GetInt32(0)] = r.GetInt32(1);
        return d;
    }
    var up = Stopwatch.StartNew();
    while ((await Statuses()).Values.Count(s => s == 3) < 3) await Task.Delay(100);  // 3 = Active
    Console.WriteLine($"3 silos active after {up.Elapsed.TotalSeconds:0.0} s");
    await Task.Delay(8000);  // let the ping measurement print
    var victim = silos[0];
    Process.Start("kill", ["-9", victim.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
    var killed = Stopwatch.StartNew();
    while ((await Statuses())[basePort] != 6) await Task.Delay(50);  // 6 = Dead
    Console.WriteLine($"{mode}: killed silo declared dead in the membership table after {killed.Elapsed.TotalSeconds:0.00} s");
    foreach (var p in silos.Skip(1)) p.Kill();
    return 0;
}

public interface IPingGrain : IGrainWithIntegerKey
{
    Task<int> Ping(int x);
    Task<string> Where();
}

public sealed class PingGrain : Grain, IPingGrain
{
    public Task<int> Ping(int x) => Task.FromResult(x);
    public Task<string> Where() => Task.FromResult(this.RuntimeIdentity);
}
