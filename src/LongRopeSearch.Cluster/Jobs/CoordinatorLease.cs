using LongRopeSearch.Cluster.Database;
using Npgsql;

namespace LongRopeSearch.Cluster.Jobs;

/// <summary>
/// The fence that keeps a job's coordinator single: a session-level PostgreSQL advisory lock on the job id, held on a
/// dedicated connection for as long as the coordinator runs. If the coordinator's process dies, its session ends and
/// the lock is free at once; Hangfire then hands the coordinator job to another machine, which takes the lease and
/// resumes from the last checkpoint. A database restart also ends the session: <see cref="VerifyAsync"/> (called
/// before every checkpoint) re-takes the lease, or reports that another coordinator holds it and this one must stop.
/// </summary>
public sealed class CoordinatorLease : IAsyncDisposable
{
    private readonly ClusterDatabase _db;
    private NpgsqlConnection? _session;

    private CoordinatorLease(ClusterDatabase db, string jobId, NpgsqlConnection session)
    {
        _db = db;
        JobId = jobId;
        _session = session;
    }

    public string JobId { get; }

    /// <summary>The lease, or null when another coordinator holds it now.</summary>
    public static async Task<CoordinatorLease?> TryAcquireAsync(ClusterDatabase db, string jobId, CancellationToken ct)
    {
        var session = await db.OpenDedicatedAsync(ct);
        if (await TryLockAsync(session, jobId, ct)) return new CoordinatorLease(db, jobId, session);
        await session.DisposeAsync();
        return null;
    }

    /// <summary>True while this coordinator holds the lease (re-taken after a lost session if it is still free).</summary>
    public async Task<bool> VerifyAsync(CancellationToken ct)
    {
        if (_session is { State: System.Data.ConnectionState.Open })
        {
            try
            {
                await using var ping = new NpgsqlCommand("SELECT 1", _session);
                await ping.ExecuteScalarAsync(ct);
                return true;
            }
            catch (Exception e) when (ConnectionRetry.IsTransient(e))
            {
                // The session (and with it the lock) is gone; try to take the lease again below.
            }
        }
        if (_session is not null) await _session.DisposeAsync();
        _session = await _db.OpenDedicatedAsync(ct);
        return await TryLockAsync(_session, JobId, ct);
    }

    private static async Task<bool> TryLockAsync(NpgsqlConnection session, string jobId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(hashtextextended(@job, 0))", session);
        cmd.Parameters.AddWithValue("job", "longrope-coordinator:" + jobId);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    public async ValueTask DisposeAsync()
    {
        // Closing the session releases the lock.
        if (_session is not null) await _session.DisposeAsync();
        _session = null;
    }
}
