using LongRopeSearch.Cluster.Database;
using Npgsql;

namespace LongRopeSearch.Cluster.Jobs;

/// <summary>A job's row as the status view shows it.</summary>
public sealed record ClusterJobRow(
    string Id, string SpecJson, string Status, string? Stage, int? Generation, double? BestPpl, double? EtaSeconds,
    string? Error, string? Coordinator, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>
/// The <c>longrope.jobs</c> table: a job's spec and the progress the status view shows. The job store of the
/// integration step builds on it; checkpoint state is not here yet (see docs/cluster.md).
/// </summary>
public sealed class ClusterJobs(ClusterDatabase db)
{
    /// <summary>Adds a queued job; false when the id exists already (a resubmission is then the caller's decision).</summary>
    public async Task<bool> CreateAsync(string id, string specJson, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            "INSERT INTO longrope.jobs (id, spec, status) VALUES (@id, @spec::jsonb, 'queued') ON CONFLICT (id) DO NOTHING", c);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("spec", specJson);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    public async Task UpdateProgressAsync(string id, string status, string? stage, int? generation, double? bestPpl, double? etaSeconds, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            UPDATE longrope.jobs SET status = @status, stage = @stage, generation = @gen, best_ppl = @best, eta_seconds = @eta, updated_at = now()
            WHERE id = @id
            """, c);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("status", status);
        cmd.Parameters.AddWithValue("stage", (object?)stage ?? DBNull.Value);
        cmd.Parameters.AddWithValue("gen", (object?)generation ?? DBNull.Value);
        cmd.Parameters.AddWithValue("best", (object?)bestPpl ?? DBNull.Value);
        cmd.Parameters.AddWithValue("eta", (object?)etaSeconds ?? DBNull.Value);
        await RequireOne(cmd, id, ct);
    }

    public async Task FailAsync(string id, string error, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            "UPDATE longrope.jobs SET status = 'failed', error = @error, updated_at = now() WHERE id = @id", c);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("error", error);
        await RequireOne(cmd, id, ct);
    }

    public async Task SetCoordinatorAsync(string id, string? workerId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("UPDATE longrope.jobs SET coordinator = @w, updated_at = now() WHERE id = @id", c);
        cmd.Parameters.AddWithValue("id", id);
        cmd.Parameters.AddWithValue("w", (object?)workerId ?? DBNull.Value);
        await RequireOne(cmd, id, ct);
    }

    public async Task<ClusterJobRow?> GetAsync(string id, CancellationToken ct) => (await ListAsync(id, ct)).SingleOrDefault();

    public Task<IReadOnlyList<ClusterJobRow>> ListAsync(CancellationToken ct) => ListAsync(null, ct);

    private async Task<IReadOnlyList<ClusterJobRow>> ListAsync(string? id, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            SELECT id, spec::text, status, stage, generation, best_ppl, eta_seconds, error, coordinator, created_at, updated_at
            FROM longrope.jobs WHERE @id::text IS NULL OR id = @id ORDER BY created_at, id
            """, c);
        cmd.Parameters.AddWithValue("id", NpgsqlTypes.NpgsqlDbType.Text, (object?)id ?? DBNull.Value);
        var rows = new List<ClusterJobRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(new ClusterJobRow(r.GetString(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3),
                r.IsDBNull(4) ? null : r.GetInt32(4), r.IsDBNull(5) ? null : r.GetDouble(5), r.IsDBNull(6) ? null : r.GetDouble(6),
                r.IsDBNull(7) ? null : r.GetString(7), r.IsDBNull(8) ? null : r.GetString(8), r.GetDateTime(9), r.GetDateTime(10)));
        return rows;
    }

    private static async Task RequireOne(NpgsqlCommand cmd, string id, CancellationToken ct)
    {
        if (await cmd.ExecuteNonQueryAsync(ct) != 1) throw new InvalidOperationException($"cluster job {id} does not exist");
    }
}
