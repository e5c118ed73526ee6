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
        var cmd = new Command("worker", "Run queued jobs as a long-running service; SIGTERM/Ctrl-C stops at the next evaluation with a checkpoint and exits 0.")
        {
            jobs, exitWhenIdle, shutdown,
        };
        cmd.SetAction(async (parse, ct) =>
        {
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
