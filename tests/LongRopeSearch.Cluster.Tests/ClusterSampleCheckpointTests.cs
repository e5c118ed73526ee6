using System.Globalization;
using System.Text.RegularExpressions;
using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Jobs;
using Npgsql;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// Workers keep the finished samples of the evaluation in flight in the database: a `longrope worker` killed with
/// SIGKILL after finishing a sample of a multi-sample evaluation loses only the sample it was on. The other worker
/// takes the item over, continues after the kept samples (it computes and keeps only the samples after them: a worker
/// that recomputed them would keep every sample again), and the search's history, best factors and validation equal
/// the in-process run's, bit for bit.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ClusterSampleCheckpointTests(PostgresServer server, ITestOutputHelper output)
{
    // One target of 4096 tokens (64x the fixture's L0 of 64) and 4 samples of ~0.11 s each on one thread (quiet
    // machine): a worker can be killed after its first sample and well before its last. No early abandon, so every
    // evaluation runs all its samples. 7 evaluations; 1 validation sample keeps the validation short.
    private const int Samples = 4;

    private const string SpaceJson =
        """{ "targets": ["64x"], "population": 4, "generations": 1, "parents": 2, "mutations": 1, "crossovers": 1, "samples": 4, "seed": 3, "early_abandon": { "enabled": false } }""";

    private sealed record Victim(string Label, string WorkerId, int Pid);

    [Fact]
    public async Task A_worker_killed_after_a_sample_is_continued_from_the_kept_samples_and_the_result_equals_the_in_process_run()
    {
        using var run = new ClusterSearchRun("ckpt-job", SpaceJson, validationSamples: 1);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        run.RunReference();
        output.WriteLine($"in process: {clock.Elapsed.TotalSeconds:0.0} s");
        var cs = await server.CreateDatabaseAsync();
        try
        {
            clock.Restart();
            await using var db = await ClusterDatabase.ConnectAsync(cs);
            await run.StartWorkersAsync(db, cs, 2, TimeSpan.FromMinutes(1));
            run.StartSearch(cs);
            var coordinatorId = await ClusterEndToEndTests.WaitFor(async () => (await new ClusterJobs(db).GetAsync(run.JobId, default))?.Coordinator,
                TimeSpan.FromMinutes(1), "a coordinator", run.Logs);

            // The other worker (not the coordinator's process), still busy on an evaluation with a sample kept: kill -9 it.
            var victim = await ClusterEndToEndTests.WaitFor(() => KeptByBusyWorker(db, run.JobId, coordinatorId),
                TimeSpan.FromMinutes(1), "a kept sample of an evaluation in the hands of the worker that does not coordinate", run.Logs, pollMs: 5);
            var victimProcess = run.Workers.Single(w => w.Pid == victim.Pid);
            victimProcess.KillHard();
            var kept = await KeptSamples(db, victim.Label);
            output.WriteLine($"killed worker {victim.WorkerId} on {victim.Label} with {kept} of {Samples} samples kept, {clock.Elapsed.TotalSeconds:0.0} s in");
            Assert.True(kept is >= 1 and < Samples, $"{victim.Label}: {kept} samples kept after the kill (the worker finished the evaluation before the kill landed?)");

            run.WaitForSearch(TimeSpan.FromMinutes(2));
            output.WriteLine($"on the cluster: {clock.Elapsed.TotalSeconds:0.0} s");
            var history = run.AssertSameResultAsReference();

            // Recorded once, by the other worker, which continued after the kept samples: it logged the resume and kept
            // only the samples after them (recomputing would have kept samples kept + 1 … kept + Samples − 1 instead).
            var survivor = run.Workers.Single(w => w != victimProcess);
            var parts = victim.Label.Split('/');
            var recorded = Assert.Single(await new EvaluationStore(db).ReadAsync(parts[0], parts[1], [long.Parse(parts[2], CultureInfo.InvariantCulture)], default));
            Assert.Equal(survivor.Pid.ToString(CultureInfo.InvariantCulture), recorded.WorkerId.Split(':')[1]);
            var log = survivor.Stderr;
            Assert.Contains($"{victim.Label}: continuing after {kept} sample(s) finished by an earlier attempt", log);
            var keptBySurvivor = Regex.Matches(log, Regex.Escape(victim.Label) + @": (\d+) sample\(s\) finished, kept in the database")
                .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(kept + 1, Samples - 1 - kept), keptBySurvivor);

            // Every evaluation recorded once, none failed, nothing left in flight.
            Assert.Equal((long)history.Count, await ClusterDatabaseTests.Sql(cs, $"SELECT count(*) FROM longrope.evaluations WHERE job_id = '{run.JobId}'"));
            Assert.Empty(await new EvaluationStore(db).ReadFailuresAsync(run.JobId, default));
            Assert.Equal(0L, await ClusterDatabaseTests.Sql(cs, "SELECT count(*) FROM longrope.evaluations_in_flight"));
        }
        finally
        {
            output.WriteLine(run.Logs());
        }
    }

    /// <summary>An evaluation with a sample kept by a worker other than <paramref name="coordinatorId"/> that is still busy on it.</summary>
    private static async Task<Victim?> KeptByBusyWorker(ClusterDatabase db, string jobId, string coordinatorId)
    {
        await using var c = await db.OpenAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT w.busy_on, w.id, w.pid
            FROM longrope.evaluations_in_flight f JOIN longrope.workers w ON w.id = f.worker_id
            WHERE f.job_id = @job AND w.id <> @coordinator AND w.busy_on = f.job_id || '/' || f.stage || '/' || f.candidate_id
            LIMIT 1
            """, c);
        cmd.Parameters.AddWithValue("job", jobId);
        cmd.Parameters.AddWithValue("coordinator", coordinatorId);
        await using var r = await cmd.ExecuteReaderAsync();
        return await r.ReadAsync() ? new Victim(r.GetString(0), r.GetString(1), r.GetInt32(2)) : null;
    }

    /// <summary>How many finished samples the database keeps for the evaluation "job/stage/candidate" (0: none).</summary>
    private static async Task<int> KeptSamples(ClusterDatabase db, string label)
    {
        await using var c = await db.OpenAsync();
        await using var cmd = new NpgsqlCommand(
            "SELECT cardinality(sample_steps) FROM longrope.evaluations_in_flight WHERE job_id || '/' || stage || '/' || candidate_id = @label", c);
        cmd.Parameters.AddWithValue("label", label);
        return await cmd.ExecuteScalarAsync() is int n ? n : 0;
    }
}
