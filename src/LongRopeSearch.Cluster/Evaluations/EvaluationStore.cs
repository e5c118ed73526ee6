using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Search;
using Npgsql;

namespace LongRopeSearch.Cluster.Evaluations;

/// <summary>
/// The <c>longrope.evaluations</c> and <c>evaluation_failures</c> tables. Recording is idempotent: the primary key
/// (job, stage, candidate) turns a second record of the same evaluation (a redelivered item whose first run finished
/// just before its worker died) into a no-op, so nothing is counted twice. Each new row notifies channel
/// <see cref="Channel"/> with the job id in the same transaction, which wakes the job's coordinator.
/// Every member of the score is a typed column (float8 and int arrays travel in Npgsql's binary format, so every
/// double comes back with its bits); the ragged prefix sums (the last sample's list is shorter when the evaluation
/// stopped inside it) are stored flat with each sample's step count.
/// </summary>
public sealed class EvaluationStore(ClusterDatabase db)
{
    public const string Channel = "longrope_evaluations";

    /// <summary>True when this call stored the result; false when the evaluation was already recorded.</summary>
    public async Task<bool> TryRecordAsync(EvaluationRequest request, CandidateScore result, string workerId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            WITH inserted AS (
                INSERT INTO longrope.evaluations (job_id, stage, candidate_id, factor_key, per_sample_nll, mean_nll, abandoned, seconds, worker_id,
                                                  prefix_ends, prefix_steps, prefix_nll_sums, tokens, flops)
                VALUES (@job, @stage, @cand, @key, @nll, @mean, @abandoned, @seconds, @worker, @ends, @steps, @sums, @tokens, @flops)
                ON CONFLICT (job_id, stage, candidate_id) DO NOTHING
                RETURNING job_id)
            SELECT count(*) FROM (SELECT pg_notify(@channel, job_id) FROM inserted) AS notified
            """, c);
        cmd.Parameters.AddWithValue("job", request.JobId);
        cmd.Parameters.AddWithValue("stage", request.Stage);
        cmd.Parameters.AddWithValue("cand", request.CandidateId);
        cmd.Parameters.AddWithValue("key", request.FactorKey);
        cmd.Parameters.AddWithValue("nll", result.PerSampleNll);
        cmd.Parameters.AddWithValue("mean", result.MeanNll);
        cmd.Parameters.AddWithValue("abandoned", result.Abandoned);
        cmd.Parameters.AddWithValue("seconds", result.Seconds);
        cmd.Parameters.AddWithValue("worker", workerId);
        cmd.Parameters.Add(new NpgsqlParameter<int[]?>("ends", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer) { TypedValue = result.PrefixEnds });
        cmd.Parameters.Add(new NpgsqlParameter<int[]?>("steps", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer) { TypedValue = result.PrefixNllSums?.Select(a => a.Length).ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter<double[]?>("sums", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Double) { TypedValue = result.PrefixNllSums?.SelectMany(a => a).ToArray() });
        cmd.Parameters.AddWithValue("tokens", result.Tokens);
        cmd.Parameters.AddWithValue("flops", result.Flops);
        cmd.Parameters.AddWithValue("channel", Channel);
        return (long)(await cmd.ExecuteScalarAsync(ct))! == 1;
    }

    public async Task<bool> ExistsAsync(string jobId, string stage, long candidateId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand(
            "SELECT EXISTS (SELECT 1 FROM longrope.evaluations WHERE job_id = @job AND stage = @stage AND candidate_id = @cand)", c);
        cmd.Parameters.AddWithValue("job", jobId);
        cmd.Parameters.AddWithValue("stage", stage);
        cmd.Parameters.AddWithValue("cand", candidateId);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>The recorded evaluations of a stage, or of the given candidates only; ordered by candidate id.</summary>
    public async Task<IReadOnlyList<EvaluationRecord>> ReadAsync(string jobId, string stage, IReadOnlyCollection<long>? candidates, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await ReadAsync(c, jobId, stage, candidates, ct);
    }

    internal static async Task<IReadOnlyList<EvaluationRecord>> ReadAsync(NpgsqlConnection c, string jobId, string stage, IReadOnlyCollection<long>? candidates, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT job_id, stage, candidate_id, factor_key, per_sample_nll, mean_nll, abandoned, seconds, worker_id, finished_at,
                   prefix_ends, prefix_steps, prefix_nll_sums, tokens, flops
            FROM longrope.evaluations
            WHERE job_id = @job AND stage = @stage AND (@all OR candidate_id = ANY (@cands))
            ORDER BY candidate_id
            """, c);
        cmd.Parameters.AddWithValue("job", jobId);
        cmd.Parameters.AddWithValue("stage", stage);
        cmd.Parameters.AddWithValue("all", candidates is null);
        cmd.Parameters.AddWithValue("cands", candidates?.ToArray() ?? []);
        var rows = new List<EvaluationRecord>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var score = new CandidateScore(r.GetFieldValue<double[]>(4), r.GetDouble(5), r.GetBoolean(6), r.GetDouble(7))
            {
                PrefixEnds = r.IsDBNull(10) ? null : r.GetFieldValue<int[]>(10),
                PrefixNllSums = r.IsDBNull(11) ? null : Unflatten(r.GetFieldValue<int[]>(11), r.GetFieldValue<double[]>(12)),
                Tokens = r.GetInt64(13),
                Flops = r.GetDouble(14),
            };
            rows.Add(new EvaluationRecord(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetString(3), score, r.GetString(8), r.GetDateTime(9)));
        }
        return rows;
    }

    /// <summary>The ragged [samples][steps reached] prefix sums from their flat column and each sample's step count.</summary>
    private static double[][] Unflatten(int[] steps, double[] flat)
    {
        var sums = new double[steps.Length][];
        int at = 0;
        for (int i = 0; i < steps.Length; i++)
        {
            sums[i] = flat[at..(at + steps[i])];
            at += steps[i];
        }
        if (at != flat.Length) throw new InvalidDataException($"longrope.evaluations: prefix_steps adds up to {at} sums, prefix_nll_sums holds {flat.Length}");
        return sums;
    }

    public async Task RecordFailureAsync(EvaluationRequest request, int attempts, string error, string? workerId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO longrope.evaluation_failures (job_id, stage, candidate_id, attempts, error, worker_id)
            VALUES (@job, @stage, @cand, @attempts, @error, @worker)
            ON CONFLICT (job_id, stage, candidate_id) DO UPDATE SET attempts = EXCLUDED.attempts, error = EXCLUDED.error,
                worker_id = EXCLUDED.worker_id, failed_at = now();
            SELECT pg_notify(@channel, @job);
            """, c);
        cmd.Parameters.AddWithValue("job", request.JobId);
        cmd.Parameters.AddWithValue("stage", request.Stage);
        cmd.Parameters.AddWithValue("cand", request.CandidateId);
        cmd.Parameters.AddWithValue("attempts", attempts);
        cmd.Parameters.AddWithValue("error", error);
        cmd.Parameters.AddWithValue("worker", (object?)workerId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("channel", Channel);
        await cmd.ExecuteNonQueryAsync(ct);
    }

    public async Task<IReadOnlyList<EvaluationFailure>> ReadFailuresAsync(string jobId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        return await ReadFailuresAsync(c, jobId, ct);
    }

    internal static async Task<IReadOnlyList<EvaluationFailure>> ReadFailuresAsync(NpgsqlConnection c, string jobId, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            SELECT job_id, stage, candidate_id, attempts, error, worker_id, failed_at
            FROM longrope.evaluation_failures WHERE job_id = @job ORDER BY stage, candidate_id
            """, c);
        cmd.Parameters.AddWithValue("job", jobId);
        var rows = new List<EvaluationFailure>();
        await using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            rows.Add(new EvaluationFailure(r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt32(3), r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), r.GetDateTime(6)));
        return rows;
    }
}
