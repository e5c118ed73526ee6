using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Common;
using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Cluster.Hosting;

/// <summary>
/// A worker process's life: announce (longrope.workers), start Hangfire servers, heartbeat until stopped, stop the
/// servers (an item in hand goes back to its queue), mark the row stopped. The evaluation server has one Hangfire
/// worker (one evaluation at a time, using all cores) listening only to the queues of this worker's numerics
/// signatures; with <see cref="WorkerHostSettings.CoordinatorSlots"/> &gt; 0 a second server runs job coordinators.
/// </summary>
public sealed class ClusterWorkerService(
    IServiceProvider services, WorkerHostSettings settings, JobStorage storage, WorkerRegistry registry,
    ConnectionRetry retry, ILogger<ClusterWorkerService> logger) : BackgroundService
{
    private readonly List<BackgroundJobServer> _servers = [];

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var me = settings.Identity;
        await retry.RunAsync("announcing this worker", c => registry.AnnounceAsync(me, c), cancellationToken);
        logger.LogInformation("worker {Id} announced: {Cores} cores, {Simd}, numerics {Numerics}, models {Models}; queues {Queues}",
            me.Id, me.Cores, me.Simd, me.NumericsVersion, string.Join(", ", me.ModelFingerprints), string.Join(", ", me.Signatures.Select(s => s.Queue)));
        var activator = new AspNetCoreJobActivator(services.GetRequiredService<IServiceScopeFactory>());
        var filters = new JobFilterCollection
        {
            new AutomaticRetryAttribute
            {
                Attempts = settings.Options.EvaluationAttempts - 1,
                DelaysInSeconds = [.. settings.Options.RetryDelaysSeconds],
                OnAttemptsExceeded = AttemptsExceededAction.Fail,
            },
            new StatisticsHistoryAttribute(),
            services.GetRequiredService<EvaluationFailureFilter>(),
        };
        // Method attributes first (none today), then ours; Hangfire's process-wide GlobalJobFilters are left out on purpose.
        var filterProvider = new JobFilterProviderCollection(new JobFilterAttributeFilterProvider(), filters);
        _servers.Add(new BackgroundJobServer(ServerOptions("eval", 1, [.. me.Signatures.Select(s => s.Queue)], activator, filterProvider), storage));
        if (settings.CoordinatorSlots > 0)
            _servers.Add(new BackgroundJobServer(ServerOptions("coord", settings.CoordinatorSlots, [WorkerHostSettings.CoordinatorQueue], activator, filterProvider), storage));
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var me = settings.Identity;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(settings.Options.HeartbeatInterval, stoppingToken);
                if (!await retry.RunAsync("heartbeating", c => registry.HeartbeatAsync(me.Id, c), stoppingToken))
                    await retry.RunAsync("announcing this worker again", c => registry.AnnounceAsync(me, c), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        foreach (var server in _servers) server.SendStop();
        foreach (var server in _servers)
        {
            await server.WaitForShutdownAsync(cancellationToken);
            server.Dispose();
        }
        _servers.Clear();
        await base.StopAsync(cancellationToken);
        try
        {
            await registry.MarkStoppedAsync(settings.Identity.Id, cancellationToken);
            logger.LogInformation("worker {Id} stopped", settings.Identity.Id);
        }
        catch (Exception e) when (ConnectionRetry.IsTransient(e))
        {
            logger.LogWarning("worker {Id} stopped without marking its row (database unreachable: {Reason})", settings.Identity.Id, e.Message);
        }
    }

    private BackgroundJobServerOptions ServerOptions(string role, int workers, string[] queues, JobActivator activator, IJobFilterProvider filters) => new()
    {
        ServerName = $"{settings.Identity.Id}:{role}",
        WorkerCount = workers,
        Queues = queues,
        Activator = activator,
        FilterProvider = filters,
        SchedulePollingInterval = settings.Options.SchedulePollingInterval,
        // The server's own heartbeat row (dashboard "Servers"); work items are protected by the sliding invisibility timeout.
        HeartbeatInterval = settings.Options.HeartbeatInterval,
        ServerCheckInterval = settings.Options.WorkerAliveWindow,
        ServerTimeout = settings.Options.WorkerAliveWindow,
    };
}
