using System.CommandLine;
using LongRopeSearch.Jobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// `longrope worker --jobs DIR`: the hosted service (Microsoft.Extensions.Hosting) that runs queued jobs one at a
/// time. Configuration, later sources winning: appsettings.json (working directory), environment variables
/// prefixed LONGROPE_ (e.g. LONGROPE_Worker__Jobs=/data/jobs), then these options.
/// </summary>
internal static class WorkerCommand
{
    public static Command Create()
    {
        var jobs = new Option<string?>("--jobs") { Description = "Jobs directory (default: config Worker:Jobs, else ./jobs)." };
        var exitWhenIdle = new Option<bool>("--exit-when-idle") { Description = "Exit when no job is left instead of waiting for new ones." };
        var shutdown = new Option<int>("--shutdown-timeout") { Description = "Seconds to wait for the running evaluation to finish on SIGTERM.", DefaultValueFactory = _ => 3600 };
        var cluster = new Option<string?>("--cluster") { Description = "PostgreSQL connection string: take evaluations and coordinators from that cluster instead of a jobs directory." };
        var models = new Option<string[]>("--model") { Description = "With --cluster: model folders this worker can evaluate (repeatable).", DefaultValueFactory = _ => [CommonOptions.DefaultModel], AllowMultipleArgumentsPerToken = false };
        var threads = new Option<int?>("--threads") { Description = "With --cluster: engine threads per evaluation (default: all cores)." };
        var coordinators = new Option<int>("--coordinators") { Description = "With --cluster: job coordinators this worker may run at once (0: none).", DefaultValueFactory = _ => 2 };
        var invisibility = new Option<int>("--invisibility-timeout") { Description = "With --cluster: seconds after which the work of a dead worker is handed to another.", DefaultValueFactory = _ => 30 };
        var cmd = new Command("worker", "Run queued jobs as a long-running service; SIGTERM/Ctrl-C stops at the next evaluation with a checkpoint and exits 0.")
        {
            jobs, exitWhenIdle, shutdown, cluster, models, threads, coordinators, invisibility,
        };
        cmd.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(cluster) is { } cs)
                return ClusterCli.RunWorker(cs, parse.GetValue(models)!, parse.GetValue(threads), parse.GetValue(coordinators), parse.GetValue(invisibility));
            var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
            {
                ContentRootPath = Directory.GetCurrentDirectory(),
                DisableDefaults = false,
            });
            builder.Configuration.AddEnvironmentVariables("LONGROPE_");
            var overrides = new Dictionary<string, string?>();
            if (parse.GetValue(jobs) is { } j) overrides["Worker:Jobs"] = j;
            if (parse.GetValue(exitWhenIdle)) overrides["Worker:ExitWhenIdle"] = "true";
            builder.Configuration.AddInMemoryCollection(overrides);
            builder.Services.Configure<WorkerOptions>(builder.Configuration.GetSection("Worker"));
            builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(parse.GetValue(shutdown)));
            builder.Logging.ClearProviders();
            builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "yyyy-MM-dd HH:mm:ss "; });
            builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
            builder.Services.AddHostedService<JobWorker>();
            using var host = builder.Build();
            await host.RunAsync(CancellationToken.None);
            return ExitCodes.Ok;
        });
        return cmd;
    }
}
