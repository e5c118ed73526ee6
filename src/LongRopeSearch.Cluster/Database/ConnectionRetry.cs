using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace LongRopeSearch.Cluster.Database;

/// <summary>
/// What a running worker or coordinator does when the database goes away (restart, failover, network): retry the
/// operation with exponential backoff (0.25 s doubling to <see cref="MaxDelay"/>) for as long as the caller's token
/// allows, with one warning line per failed attempt and one line when the database is back. Only connection-level
/// failures are retried; a constraint violation or a syntax error is a bug and propagates at once.
/// </summary>
public sealed class ConnectionRetry(ILogger logger)
{
    public TimeSpan FirstDelay { get; init; } = TimeSpan.FromMilliseconds(250);
    public TimeSpan MaxDelay { get; init; } = TimeSpan.FromSeconds(30);

    public async Task<T> RunAsync<T>(string what, Func<CancellationToken, Task<T>> operation, CancellationToken ct)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var result = await operation(ct);
                if (attempt > 1) logger.LogInformation("cluster database reachable again: {What} succeeded at attempt {Attempt}", what, attempt);
                return result;
            }
            catch (Exception e) when (IsTransient(e) && !ct.IsCancellationRequested)
            {
                logger.LogWarning("cluster database unreachable while {What} ({Reason}); attempt {Attempt} failed, retrying in {Delay:0.##} s",
                    what, Reason(e), attempt, delay.TotalSeconds);
                await Task.Delay(delay, ct);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }

    public Task RunAsync(string what, Func<CancellationToken, Task> operation, CancellationToken ct) =>
        RunAsync<bool>(what, async c => { await operation(c); return true; }, ct);

    /// <summary>A failure of the connection rather than of the statement: worth retrying after a pause.</summary>
    public static bool IsTransient(Exception e) => e switch
    {
        // Class 08 connection exception, 57P01-03 server shutting down / starting, 53 resources.
        PostgresException p => p.IsTransient || p.SqlState.StartsWith("08", StringComparison.Ordinal)
                               || p.SqlState.StartsWith("57P", StringComparison.Ordinal) || p.SqlState.StartsWith("53", StringComparison.Ordinal),
        NpgsqlException n => n.IsTransient || n.InnerException is IOException or SocketException or TimeoutException,
        IOException or SocketException or TimeoutException => true,
        // A pooled connection cut by a server restart surfaces as "connection is broken" on next use.
        InvalidOperationException i when i.InnerException is not null => IsTransient(i.InnerException),
        _ => false,
    };

    private static string Reason(Exception e) => e is PostgresException p ? $"{p.SqlState} {p.MessageText}" : (e.InnerException ?? e).Message;
}
