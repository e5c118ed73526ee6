using LongRopeSearch.Cluster.Database;
using Npgsql;

namespace LongRopeSearch.Cluster.Workers;

/// <summary>A worker as the status view shows it. Alive means a heartbeat within the given window and no clean stop.</summary>
public sealed record WorkerRow(
    string Id, string Host, int Pid, int Cores, string Simd, string NumericsVersion, IReadOnlyList<string> ModelFingerprints,
    IReadOnlyList<string> Signatures, DateTime StartedAt, DateTime LastHeartbeat, string? BusyOn, long EvaluationsDone,
    DateTime? StoppedAt, bool Alive);

/// <summary>The <c>longrope.workers</c> table: announce, heartbeat, busy-on, clean stop, list.</summary>
public sealed class WorkerRegistry(ClusterDatabase db)
{
    public async Task AnnounceAsync(WorkerIdentity w, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO longrope.workers (id, host, pid, cores, simd, numerics_version, model_fingerprints, signatures, started_at, last_heartbeat)
            VALUES (@id, @host, @pid, @cores, @simd, @nv, @models, @sigs, now(), now())
            ON CONFLICT (id) DO UPDATE SET last_heartbeat = now(), stopped_at = NULL
            """, c);
        cmd.Parameters.AddWithValue("id", w.Id);
        cmd.Parameters.AddWithValue("host", w.Host);
        cmd.Parameters.AddWithValue("pid", w.Pid);
        cmd.Parameters.AddWithValue("cores", w.Cores);
        cmd.Parameters.AddWithValue("simd", w.Simd);
        cmd.Parameters.AddWithValue("nv", w.NumericsVersion);
        cmd.Parameters.AddWithValue("models", w.ModelFingerprints.ToArray());
        cmd.Parameters.AddWithValue("sigs", w.Signatures.Select(s => s.Queue).ToArray());
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Refreshes the heartbeat; false when the row is gone (then the caller announces again).</summary>
    public async Task<bool> HeartbeatAsync(string workerId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("UPDATE longrope.workers SET last_heartbeat = now() WHERE id = @id", c);
        cmd.Parameters.AddWithValue("id", workerId);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>Sets what the worker is evaluating (null when idle); <paramref name="finishedOne"/> counts a finished evaluation.</summary>
    public async Task SetBusyAsync(string workerId, string? busyOn, bool finishedOne, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            UPDATE longrope.workers SET busy_on = @busy, last_heartbeat = now(),
                   evaluations_done = evaluations_done + CASE WHEN @done THEN 1 ELSE 0 END
            WHERE id = @id
            """, c);
        cmd.Parameters.AddWithValue("id", workerId);
        cmd.Parameters.AddWithValue("busy", (object?)busyOn ?? DBNull.Value);
        cmd.Parameters.AddWithValue("done", finishedOne);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task MarkStoppedAsync(string workerId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("UPDATE longrope.workers SET stopped_at = now(), busy_on = NULL WHERE id = @id", c);
        cmd.Parameters.AddWithValue("id", workerId);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Every worker ever announced, newest first; alive = heartbeat within <paramref name="aliveWindow"/>.</summary>
    public async Task<IReadOnlyList<WorkerRow>> ListAsync(TimeSpan aliveWindow, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            SELECT id, host, pid, cores, simd, numerics_version, model_fingerprints, signatures, started_at, last_heartbeat,
                   busy_on, evaluations_done, stopped_at,
                   stopped_at IS NULL AND last_heartbeat > now() - @window AS alive
            FROM longrope.workers ORDER BY started_at DESC, id
            """, c);
        cmd.Parameters.AddWithValue("window", aliveWindow);
        var rows = new List<WorkerRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            rows.Add(new WorkerRow(r.GetString(0), r.GetString(1), r.GetInt32(2), r.GetInt32(3), r.GetString(4), r.GetString(5),
                r.GetFieldValue<string[]>(6), r.GetFieldValue<string[]>(7), r.GetDateTime(8), r.GetDateTime(9),
                r.IsDBNull(10) ? null : r.GetString(10), r.GetInt64(11), r.IsDBNull(12) ? null : r.GetDateTime(12), r.GetBoolean(13)));
        }
        return rows;
    }
}
