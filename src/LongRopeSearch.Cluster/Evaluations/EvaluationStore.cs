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
/// The finished samples of an evaluation in flight (<c>evaluations_in_flight</c>, the same flat form) are written after
/// each sample a worker finishes, read by the worker that takes the evaluation over, and deleted by the statement that
/// records its result.
/// </summary>
public sealed class EvaluationStore(ClusterDatabase db)
{
    public const string Channel = "longrope_evaluations";

    /// <summary>True when this call stored the result; false when the evaluation was already recorded.</summary>
    public async Task<bool> TryRecordAsync(EvaluationRequest request, CandidateScore result, string workerId, CancellationToken ct)
    {
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            WITH cleared AS (
                DELETE FROM longrope.evaluations_in_flight WHERE job_id = @job AND stage = @stage AND candidate_id = @cand),
            inserted AS (
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
        int[]? steps = null;
        double[]? sums = null;
        if (result.PrefixNllSums is { } ragged) (steps, sums) = Flatten(ragged);
        cmd.Parameters.Add(new NpgsqlParameter<int[]?>("steps", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Integer) { TypedValue = steps });
        cmd.Parameters.Add(new NpgsqlParameter<double[]?>("sums", NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Double) { TypedValue = sums });
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

    /// <summary>
    /// Keeps the finished samples of an evaluation in flight (each its NLL sums at every step end, in sample order, as
    /// the evaluator's sample callback gives them), replacing what an earlier sample of it left. Never shrinks the
    /// kept samples (a duplicate copy of the item that started from fewer cannot undo another's progress; both compute
    /// the same bits), and writes nothing once the evaluation's result is recorded. True when the row was written.
    /// </summary>
    public async Task<bool> SaveInFlightAsync(EvaluationRequest request, IReadOnlyList<double[]> samples, string workerId, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(samples);
        var (steps, sums) = Flatten(samples);
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO longrope.evaluations_in_flight AS f (job_id, stage, candidate_id, factor_key, sample_steps, nll_sums, worker_id)
            SELECT @job, @stage, @cand, @key, @steps, @sums, @worker
            WHERE NOT EXISTS (SELECT 1 FROM longrope.evaluations WHERE job_id = @job AND stage = @stage AND candidate_id = @cand)
            ON CONFLICT (job_id, stage, candidate_id) DO UPDATE SET factor_key = EXCLUDED.factor_key, sample_steps = EXCLUDED.sample_steps,
                nll_sums = EXCLUDED.nll_sums, worker_id = EXCLUDED.worker_id, updated_at = now()
            WHERE cardinality(f.sample_steps) < cardinality(EXCLUDED.sample_steps) OR f.factor_key <> EXCLUDED.factor_key
            """, c);
        cmd.Parameters.AddWithValue("job", request.JobId);
        cmd.Parameters.AddWithValue("stage", request.Stage);
        cmd.Parameters.AddWithValue("cand", request.CandidateId);
        cmd.Parameters.AddWithValue("key", request.FactorKey);
        cmd.Parameters.AddWithValue("steps", steps);
        cmd.Parameters.AddWithValue("sums", sums);
        cmd.Parameters.AddWithValue("worker", workerId);
        return await cmd.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// The finished samples an earlier attempt of this evaluation kept (<see cref="SaveInFlightAsync"/>), or null when
    /// none are kept for these factors (never started, already recorded, or kept for another factor key).
    /// </summary>
    public async Task<IReadOnlyList<double[]>?> ReadInFlightAsync(EvaluationRequest request, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(request);
        await using var c = await db.OpenAsync(ct);
        await using var cmd = new NpgsqlCommand("""
            SELECT sample_steps, nll_sums FROM longrope.evaluations_in_flight
            WHERE job_id = @job AND stage = @stage AND candidate_id = @cand AND factor_key = @key
            """, c);
        cmd.Parameters.AddWithValue("job", request.JobId);
        cmd.Parameters.AddWithValue("stage", request.Stage);
        cmd.Parameters.AddWithValue("cand", request.CandidateId);
        cmd.Parameters.AddWithValue("key", request.FactorKey);
        await using var r = await cmd.ExecuteReaderAsync(ct);
        return await r.ReadAsync(ct) ? Unflatten(r.GetFieldValue<int[]>(0), r.GetFieldValue<double[]>(1)) : null;
    }

    /// <summary>Ragged [samples][steps] sums as stored: each sample's step count, and the sums sample after sample.</summary>
    private static (int[] Steps, double[] Flat) Flatten(IReadOnlyList<double[]> ragged) =>
        (ragged.Select(a => a.Length).ToArray(), ragged.SelectMany(a => a).ToArray());

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
        if (at != flat.Length) throw new InvalidDataException($"longrope: the step counts add up to {at} sums, the sums column holds {flat.Length}");
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
