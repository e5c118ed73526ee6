using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace LongRopeSearch.Cli.Terminal;

/// <summary>Console logging for foreground commands: one line per event, timestamps, all of it on stderr so stdout stays data.</summary>
internal static class CliLogging
{
    public static ILoggerFactory Create(LogLevel level = LogLevel.Information) =>
        LoggerFactory.Create(b => b
            .SetMinimumLevel(level)
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "HH:mm:ss ";
                o.UseUtcTimestamp = false;
            })
            .AddFilter("Microsoft", LogLevel.Warning)
            .Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
}
