using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Hosting;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Search;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LongRopeSearch.Cluster.TestHost;

/// <summary>
/// Coordination latency with an evaluator that does no work. In-process mode: worker and coordinator in one process
/// (one clock; Hangfire wakes a worker of the enqueuing process directly, so dispatch is optimistic). Remote mode
/// (<see cref="RunRemoteAsync"/>): the worker is a child process, as on a cluster; times come from its marker files.
/// (1) one item at a time to an idle worker: enqueue → evaluator starts (bounded by the queue poll), evaluator
/// returns → coordinator sees the result; (2) a generation of <c>items</c> enqueued at once to one worker: wall time
/// per evaluation, i.e. the coordination overhead each evaluation adds inside a generation.
/// </summary>
public static class LatencyBench
{
    public static async Task<int> RunRemoteAsync(string connectionString, int items)
    {
        await using var db = await ClusterDatabase.ConnectAsync(connectionString);
        var options = new ClusterOptions();
        var markers = Directory.CreateTempSubdirectory("lrs-bench").FullName;
        var self = Path.Combine(AppContext.BaseDirectory, "LongRopeSearch.Cluster.TestHost.dll");
        using var worker = Process.Start(new ProcessStartInfo("dotnet", [self, "worker", connectionString, "bench", "bench-model", "0", markers,
            ((int)options.InvisibilityTimeout.TotalSeconds).ToString(CultureInfo.InvariantCulture), "0"]) { UseShellExecute = false, RedirectStandardOutput = true })!;
        _ = worker.StandardOutput.ReadToEndAsync();
        try
        {
            var dispatcher = new EvaluationDispatcher(ClusterStorage.Create(db, options));
            var waiter = new EvaluationWaiter(db, options, new ConnectionRetry(NullLogger.Instance), NullLogger<EvaluationWaiter>.Instance);
            var jobId = "bench-" + Guid.NewGuid().ToString("N")[..8];
            await new ClusterJobs(db).CreateAsync(jobId, "{}", CancellationToken.None);
            var signature = new NumericsSignature("bench", "bench-model");
            EvaluationRequest Request(long id) => new(jobId, "s", id, $"k{id}", [1.0, 2.0], 0, 1.0, 64, null, signature);
            DateTime Marker(string kind, long id) => new(long.Parse(Directory.GetFiles(markers, $"{kind}-{id}-*").Single().Split('-')[^1], CultureInfo.InvariantCulture), DateTimeKind.Utc);
            for (long id = -5; id < 0; id++)
            {
                dispatcher.Enqueue(Request(id));
                await waiter.WaitAsync(jobId, "s", [id], null, CancellationToken.None);
            }
            var dispatch = new List<double>();
            var back = new List<double>();
            var total = new List<double>();
            for (long id = 0; id < items; id++)
            {
                // Enqueue at a random phase of the idle worker's poll, as a new generation would arrive.
                await Task.Delay(Random.Shared.Next(0, (int)options.QueuePollInterval.TotalMilliseconds));
                var t0 = DateTime.UtcNow;
                dispatcher.Enqueue(Request(id));
                await waiter.WaitAsync(jobId, "s", [id], null, CancellationToken.None);
                var t3 = DateTime.UtcNow;
                dispatch.Add((Marker("start", id) - t0).TotalMilliseconds);
                back.Add((t3 - Marker("end", id)).TotalMilliseconds);
                total.Add((t3 - t0).TotalMilliseconds);
            }
            var batch = Enumerable.Range(0, items).Select(i => 100_000L + i).ToArray();
            var b0 = Stopwatch.GetTimestamp();
            foreach (var id in batch) dispatcher.Enqueue(Request(id));
            await waiter.WaitAsync(jobId, "s", batch, null, CancellationToken.None);
            var perItem = Stopwatch.GetElapsedTime(b0).TotalMilliseconds / items;
            Print($"items {items}, evaluator doing no work, one worker in its own process (poll {options.QueuePollInterval.TotalMilliseconds} ms)", dispatch, back, total, items, perItem);
            return 0;
        }
        finally
        {
            worker.Kill(entireProcessTree: true);
            Directory.Delete(markers, recursive: true);
        }
    }

    private static void Print(string title, List<double> dispatch, List<double> back, List<double> total, int items, double perItem)
    {
        static string P(List<double> v, double q) { v.Sort(); return v[(int)Math.Min(v.Count - 1, Math.Floor(q * v.Count))].ToString("0.0", CultureInfo.InvariantCulture); }
        Console.WriteLine(title);
        Console.WriteLine($"enqueue -> evaluator start     ms: p50 {P(dispatch, 0.5)}  p95 {P(dispatch, 0.95)}  max {P(dispatch, 1)}");
        Console.WriteLine($"evaluator end -> coordinator   ms: p50 {P(back, 0.5)}  p95 {P(back, 0.95)}  max {P(back, 1)}");
        Console.WriteLine($"round trip, one at a time      ms: p50 {P(total, 0.5)}  p95 {P(total, 0.95)}  max {P(total, 1)}");
        Console.WriteLine($"batch of {items} enqueued at once: {perItem.ToString("0.0", CultureInfo.InvariantCulture)} ms per evaluation");
    }

    public static async Task<int> RunAsync(string connectionString, int items)
    {
        await using var db = await ClusterDatabase.ConnectAsync(connectionString);
        var options = new ClusterOptions();
        var started = new ConcurrentDictionary<long, long>();
        var finished = new ConcurrentDictionary<long, long>();
        var identity = WorkerIdentity.ForThisProcess("bench", ["bench-model"]);
        CandidateScore Evaluate(EvaluationRequest r, InFlightSamples inFlight, CancellationToken ct)
        {
            started[r.CandidateId] = Stopwatch.GetTimestamp();
            var nll = StandInEvaluator.ExpectedNll(r);
            finished[r.CandidateId] = Stopwatch.GetTimestamp();
            return new CandidateScore(nll, nll.Average(), false, 0);
        }
        var builder = ClusterWorkerHost.CreateBuilder(db, new WorkerHostSettings(identity, options), Evaluate);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddSimpleConsole();
        using var host = builder.Build();
        await host.StartAsync();
        var storage = ClusterStorage.Create(db, options);
        var dispatcher = new EvaluationDispatcher(storage);
        var waiter = new EvaluationWaiter(db, options, new ConnectionRetry(NullLogger.Instance), NullLogger<EvaluationWaiter>.Instance);
        var jobId = "bench-" + Guid.NewGuid().ToString("N")[..8];
        await new ClusterJobs(db).CreateAsync(jobId, "{}", CancellationToken.None);
        var signature = identity.Signatures[0];
        EvaluationRequest Request(long id) => new(jobId, "s", id, $"k{id}", [1.0, 2.0], 0, 1.0, 64, null, signature);

        // Warm-up (JIT, pools, Hangfire's first fetch).
        for (long id = -5; id < 0; id++)
        {
            dispatcher.Enqueue(Request(id));
            await waiter.WaitAsync(jobId, "s", [id], null, CancellationToken.None);
        }

        var dispatch = new List<double>();
        var back = new List<double>();
        var total = new List<double>();
        for (long id = 0; id < items; id++)
        {
            var t0 = Stopwatch.GetTimestamp();
            dispatcher.Enqueue(Request(id));
            await waiter.WaitAsync(jobId, "s", [id], null, CancellationToken.None);
            var t3 = Stopwatch.GetTimestamp();
            dispatch.Add(Stopwatch.GetElapsedTime(t0, started[id]).TotalMilliseconds);
            back.Add(Stopwatch.GetElapsedTime(finished[id], t3).TotalMilliseconds);
            total.Add(Stopwatch.GetElapsedTime(t0, t3).TotalMilliseconds);
        }

        var batch = Enumerable.Range(0, items).Select(i => 100_000L + i).ToArray();
        var b0 = Stopwatch.GetTimestamp();
        foreach (var id in batch) dispatcher.Enqueue(Request(id));
        await waiter.WaitAsync(jobId, "s", batch, null, CancellationToken.None);
        var perItem = Stopwatch.GetElapsedTime(b0).TotalMilliseconds / items;

        await host.StopAsync();
        Print($"items {items}, evaluator doing no work, one worker in this process (Hangfire wakes it directly)", dispatch, back, total, items, perItem);
        return 0;
    }
}
