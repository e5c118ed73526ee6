using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.Logging;
using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Workers;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace LongRopeSearch.Cluster.Hosting;

/// <summary>What a worker process is: who it is, the cluster's timings, and how many job coordinators it may run (0: none).</summary>
public sealed record WorkerHostSettings(WorkerIdentity Identity, ClusterOptions Options, int CoordinatorSlots = 0)
{
    /// <summary>The Hangfire queue of job coordinators (long-running jobs, one per cluster job).</summary>
    public const string CoordinatorQueue = "lr-coordinator";
}

/// <summary>
/// Builds a worker process: <c>longrope worker --cluster</c> calls <see cref="CreateBuilder"/> with the engine as
/// <paramref name="evaluate"/>, adds its logging, and runs the host until SIGTERM/Ctrl-C.
/// </summary>
public static class ClusterWorkerHost
{
    /// <param name="db">Connected and migrated (<see cref="ClusterDatabase.ConnectAsync"/>); owned by the caller.</param>
    public static HostApplicationBuilder CreateBuilder(ClusterDatabase db, WorkerHostSettings settings, EvaluateCandidate evaluate)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        var s = builder.Services;
        s.AddLogging();
        s.AddSingleton(db);
        s.AddSingleton(settings);
        s.AddSingleton(settings.Options);
        s.AddSingleton(settings.Identity);
        s.AddSingleton(evaluate);
        s.AddSingleton<JobStorage>(_ => ClusterStorage.Create(db, settings.Options));
        s.AddSingleton<WorkerRegistry>();
        s.AddSingleton<EvaluationStore>();
        s.AddSingleton<EvaluationFailureFilter>();
        s.AddSingleton(sp => new ConnectionRetry(sp.GetRequiredService<ILoggerFactory>().CreateLogger<ConnectionRetry>()));
        s.AddTransient<EvaluationJob>();
        s.AddSingleton<Jobs.ClusterJobs>();
        s.AddSingleton<EvaluationWaiter>();
        s.AddTransient<Integration.CoordinatorJob>();
        s.AddHostedService(sp =>
        {
            // Hangfire logs through a process-wide provider: route it to this host's Microsoft.Extensions.Logging.
            LogProvider.SetCurrentLogProvider(new AspNetCoreLogProvider(sp.GetRequiredService<ILoggerFactory>()));
            return ActivatorUtilities.CreateInstance<ClusterWorkerService>(sp);
        });
        return builder;
    }
}
