using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Hosting;
using LongRopeSearch.Cluster.Jobs;
using LongRopeSearch.Cluster.Workers;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>Test timings: short enough for fast tests, the same mechanisms as production.</summary>
internal static class TestTimings
{
    public static ClusterOptions Options(int invisibilitySeconds = 5) => new()
    {
        InvisibilityTimeout = TimeSpan.FromSeconds(invisibilitySeconds),
        HeartbeatInterval = TimeSpan.FromMilliseconds(500),
        EvaluationAttempts = 2,
        RetryDelaysSeconds = [1],
        SchedulePollingInterval = TimeSpan.FromMilliseconds(500),
        ResultPollInterval = TimeSpan.FromSeconds(2),
    };
}

/// <summary>The coordinator's tools on one database: job rows, dispatcher, waiter.</summary>
internal sealed class TestCoordinator(ClusterDatabase db, ClusterOptions options)
{
    public ClusterJobs Jobs { get; } = new(db);
    public EvaluationDispatcher Dispatcher { get; } = new(ClusterStorage.Create(db, options));
    public EvaluationWaiter Waiter { get; } = new(db, options, new ConnectionRetry(NullLogger.Instance), NullLogger<EvaluationWaiter>.Instance);
    public EvaluationStore Store { get; } = new(db);

    public static EvaluationRequest Request(string job, long candidate, NumericsSignature signature, string? key = null) =>
        new(job, "long-64", candidate, key ?? $"k{candidate}", [1.0, 1.5, 2.0 + candidate], 0, 1.0, 64, null, signature);

    public Task<IReadOnlyList<EvaluationRecord>> WaitAsync(string job, IReadOnlyCollection<long> candidates, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return Waiter.WaitAsync(job, "long-64", candidates, null, cts.Token);
    }
}

/// <summary>A worker host in this process (the kill tests use child processes instead).</summary>
internal static class InProcessWorker
{
    public static async Task<IHost> StartAsync(ClusterDatabase db, WorkerIdentity identity, ClusterOptions options, EvaluateCandidate evaluate)
    {
        var builder = ClusterWorkerHost.CreateBuilder(db, new WorkerHostSettings(identity, options), evaluate);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var host = builder.Build();
        await host.StartAsync();
        return host;
    }

    public static WorkerIdentity Identity(string name, string numerics, params string[] models) =>
        new($"{name}:{Environment.ProcessId}:{Guid.NewGuid():N}", name, Environment.ProcessId, 2, WorkerIdentity.DetectSimd(), numerics, models);
}
