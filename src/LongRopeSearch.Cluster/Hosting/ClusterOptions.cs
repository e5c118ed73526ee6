namespace LongRopeSearch.Cluster.Hosting;

/// <summary>
/// The cluster's timing knobs, one place. Defaults suit evaluations of minutes to hours; tests shorten them.
/// </summary>
public sealed record ClusterOptions
{
    /// <summary>
    /// How long a fetched work item stays invisible to other workers without a keep-alive. Sliding: the holder's
    /// Hangfire server refreshes it every fifth of this while the item runs, so an evaluation may take hours; a killed
    /// worker's item is handed to another after at most this (+ <see cref="QueuePollInterval"/>).
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often an idle worker looks for items (one indexed query per idle worker per poll; ≥ 50 ms). A worker that
    /// just finished an item asks again at once, so this only delays the start of a generation on idle workers.
    /// </summary>
    public TimeSpan QueuePollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Heartbeat period of a worker's row in longrope.workers.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A worker without a heartbeat for this long is shown as dead.</summary>
    public TimeSpan WorkerAliveWindow { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts per evaluation (on any workers) before it is recorded as failed.</summary>
    public int EvaluationAttempts { get; init; } = 3;

    /// <summary>Pause before each retry of a failed evaluation, seconds (the last value repeats).</summary>
    public IReadOnlyList<int> RetryDelaysSeconds { get; init; } = [2, 10];

    /// <summary>How often a server moves retries whose delay has passed back to their queue.</summary>
    public TimeSpan SchedulePollingInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long Hangfire.PostgreSql tries to take one of its distributed locks (e.g. a job's state lock) before giving
    /// up (its default: 10 min). Its lock loop retries on the connection it started with: one cut by a database
    /// restart never recovers, so a worker changing an item's state during the restart would hold that fetched item
    /// (kept invisible by its sliding keep-alive) until this runs out, and the coordinator waits for it that long.
    /// </summary>
    public TimeSpan DistributedLockTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Backstop wake-up of a coordinator waiting for results (normally woken by NOTIFY).</summary>
    public TimeSpan ResultPollInterval { get; init; } = TimeSpan.FromSeconds(5);
}
