using System.Globalization;
using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Hosting;
using LongRopeSearch.Cluster.TestHost;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

// Usage:
//   worker  <connection string> <numerics version> <model fingerprint> <eval ms> <marker dir> <invisibility s> <coordinator slots>
//   latency | latency-remote <connection string> <items>   (coordination latencies; tools/bench-cluster.sh)
try
{
    return args[0] switch
    {
        "worker" => await RunWorker(args),
        "latency" => await LatencyBench.RunAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture)),
        "latency-remote" => await LatencyBench.RunRemoteAsync(args[1], int.Parse(args[2], CultureInfo.InvariantCulture)),
        _ => throw new ArgumentException($"unknown mode {args[0]}"),
    };
}
catch (InputException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

static async Task<int> RunWorker(string[] args)
{
    var options = new ClusterOptions
    {
        InvisibilityTimeout = TimeSpan.FromSeconds(int.Parse(args[6], CultureInfo.InvariantCulture)),
        HeartbeatInterval = TimeSpan.FromSeconds(1),
    };
    await using var db = await ClusterDatabase.ConnectAsync(args[1]);
    var identity = WorkerIdentity.ForThisProcess(args[2], [args[3]]);
    var evaluator = new StandInEvaluator(int.Parse(args[4], CultureInfo.InvariantCulture), args[5]);
    var builder = ClusterWorkerHost.CreateBuilder(db, new WorkerHostSettings(identity, options, int.Parse(args[7], CultureInfo.InvariantCulture)), evaluator.Evaluate);
    builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
    builder.Logging.SetMinimumLevel(LogLevel.Information);
    using var host = builder.Build();
    await host.RunAsync();
    return 0;
}
