using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Hosting;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.Cluster.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LongRopeSearch.Cluster.TestHost;

/// <summary>
/// Coordination latency with an evaluator that does no work, worker and coordinator in one process (one clock):
/// (1) one item at a time to an idle worker: enqueue → evaluator starts (bounded by the queue poll), evaluator
/// returns → coordinator sees the result; (2) a generation of <c>items</c> enqueued at once to one worker: wall time
/// per evaluation, i.e. the coordination overhead each evaluation adds inside a generation.
/// </summary>
public static class LatencyBench
{
    public static async Task<int> RunAsync(string connectionString, int items)
    {
        await using var db = await ClusterDatabase.ConnectAsync(connectionString);
        var options = new ClusterOptions();
        var started = new ConcurrentDictionary<long, long>();
        var finished = new ConcurrentDictionary<long, long>();
        var identity = WorkerIdentity.ForThisProcess("bench", ["bench-model"]);
        EvaluationResult Evaluate(EvaluationRequest r, CancellationToken ct)
        {
            started[r.CandidateId] = Stopwatch.GetTimestamp();
            var nll = StandInEvaluator.ExpectedNll(r);
            finished[r.CandidateId] = Stopwatch.GetTimestamp();
            return new EvaluationResult(nll, nll.Average(), false, 0);
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
        static string P(List<double> v, double q) { v.Sort(); return v[(int)Math.Min(v.Count - 1, Math.Floor(q * v.Count))].ToString("0.0", CultureInfo.InvariantCulture); }
        Console.WriteLine($"items {items} (one at a time, then one batch), evaluator doing no work, one worker");
        Console.WriteLine($"enqueue -> evaluator start (idle worker, poll {options.QueuePollInterval.TotalMilliseconds} ms) ms: p50 {P(dispatch, 0.5)}  p95 {P(dispatch, 0.95)}  max {P(dispatch, 1)}");
        Console.WriteLine($"evaluator end -> coordinator  ms: p50 {P(back, 0.5)}  p95 {P(back, 0.95)}  max {P(back, 1)}");
        Console.WriteLine($"round trip (overhead/eval)    ms: p50 {P(total, 0.5)}  p95 {P(total, 0.95)}  max {P(total, 1)}");
        Console.WriteLine($"batch of {items} enqueued at once: {perItem.ToString("0.0", CultureInfo.InvariantCulture)} ms per evaluation");
        return 0;
    }
}
