using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Integration;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// A worker's score through longrope.evaluations: every member (per-sample NLLs, mean, the ragged prefix sums of an
/// evaluation stopped inside a sample, prefix ends, tokens, FLOPs) comes back with its bits, and the coordinator's
/// searcher accepts the read-back results of a generation with a prefix rule (an abandoned one is checked against the
/// rule by its prefix sums).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class EvaluationStoreScoreTests(PostgresServer server)
{
    [Fact]
    public async Task Prefix_scores_come_back_with_every_bit_and_the_searcher_accepts_them()
    {
        await using var db = await ClusterDatabase.ConnectAsync(await server.CreateDatabaseAsync());
        await new Jobs.ClusterJobs(db).CreateAsync("job", "{}", default);
        var store = new EvaluationStore(db);
        var searcher = PrefixSteps.AtGeneration1();
        var steps = searcher.PendingSteps();
        Assert.Equal(2, steps.Count);
        var t = PrefixSteps.ThresholdSums;

        // Child 0 stops after the first step of sample 1: sample 0 as good as the threshold, then 1000 nats worse.
        var abandoned = new CandidateScore([t[0][^1] / 511], t[0][^1] / 511, true, 0.1 + 0.2)
        {
            PrefixEnds = [.. PrefixSteps.Ends], PrefixNllSums = [[.. t[0]], [t[1][0] + 1000]], Tokens = 511 + 127, Flops = 9.8765432109876543e14,
        };
        // Child 1 completes: large and awkward sums.
        var full = new CandidateScore([1.0 / 3, 2.0 / 3], 0.5, false, 1e-9)
        {
            PrefixEnds = [.. PrefixSteps.Ends], PrefixNllSums = [[0.1 + 0.2, 1e300, 1.7976931348623157e308], [5e-324, -0.0, 12345.678901234567]],
            Tokens = long.MaxValue / 3, Flops = 1.2345678901234567e300,
        };
        var sent = new[] { abandoned, full };
        var signature = new NumericsSignature("2/avx2", "fp");
        for (int i = 0; i < 2; i++)
            Assert.True(await store.TryRecordAsync(StepCodec.ToRequest("job", steps[i], signature), sent[i], "w1", default));

        var read = await store.ReadAsync("job", StepCodec.StageName(steps[0]), null, default);
        Assert.Equal(steps.Select(s => s.Candidate.Id), read.Select(r => r.CandidateId));
        for (int i = 0; i < 2; i++)
        {
            var (a, b) = (sent[i], read[i].Score);
            Assert.Equal(PrefixSteps.Bits(a.PerSampleNll), PrefixSteps.Bits(b.PerSampleNll));
            Assert.Equal(PrefixSteps.Bits([a.MeanNll, a.Seconds, a.Flops]), PrefixSteps.Bits([b.MeanNll, b.Seconds, b.Flops]));
            Assert.Equal((a.Abandoned, a.Tokens), (b.Abandoned, b.Tokens));
            Assert.Equal(a.PrefixEnds, b.PrefixEnds);
            Assert.Equal(a.PrefixNllSums!.Length, b.PrefixNllSums!.Length);
            for (int s = 0; s < a.PrefixNllSums.Length; s++) Assert.Equal(PrefixSteps.Bits(a.PrefixNllSums[s]), PrefixSteps.Bits(b.PrefixNllSums[s]));
        }

        // The coordinator's side: the rule stops the abandoned one where it stopped, and the generation completes.
        Assert.True(steps[0].Abandon!.Stops(read[0].Score));
        foreach (var r in read) searcher.Report(r.CandidateId, r.Score);
        Assert.True(searcher.IsFinished);
        Assert.Equal(511 + 127 + long.MaxValue / 3 + 4 * 2 * 511, searcher.Counters.Tokens);
    }

    [Fact]
    public async Task A_version_1_database_is_migrated_to_the_current_version_and_its_evaluations_read_without_prefix_sums()
    {
        // Version 1 as an older longrope left it: the evaluations table without the score columns of migration 0002,
        // and no in-flight table (migration 0003).
        var cs = await server.CreateDatabaseAsync();
        await (await ClusterDatabase.ConnectAsync(cs)).DisposeAsync();
        await ClusterDatabaseTests.Sql(cs, """
            DROP TABLE longrope.evaluations_in_flight;
            ALTER TABLE longrope.evaluations DROP COLUMN prefix_ends, DROP COLUMN prefix_steps, DROP COLUMN prefix_nll_sums, DROP COLUMN tokens, DROP COLUMN flops;
            UPDATE longrope.schema_version SET version = 1;
            INSERT INTO longrope.jobs (id, spec, status) VALUES ('job', '{}', 'running');
            INSERT INTO longrope.evaluations (job_id, stage, candidate_id, factor_key, per_sample_nll, mean_nll, abandoned, seconds, worker_id)
            VALUES ('job', 'long-64', 7, 'k7', '{1.25,2.5}', 1.875, false, 0.5, 'w-old');
            """);

        await using var db = await ClusterDatabase.ConnectAsync(cs);
        Assert.Equal(3, await ClusterDatabaseTests.Sql(cs, "SELECT version FROM longrope.schema_version"));
        var store = new EvaluationStore(db);
        var old = Assert.Single(await store.ReadAsync("job", "long-64", null, default)).Score;
        Assert.Equal([1.25, 2.5], old.PerSampleNll);
        Assert.Equal((1.875, false), (old.MeanNll, old.Abandoned));
        Assert.Null(old.PrefixEnds);
        Assert.Null(old.PrefixNllSums);
        Assert.Equal((0L, 0.0), (old.Tokens, old.Flops));

        // A score without prefix sums recorded now reads back the same way.
        var request = TestCoordinator.Request("job", 8, new NumericsSignature("2/avx2", "fp"));
        Assert.True(await store.TryRecordAsync(request, new CandidateScore([3.0, 4.0], 3.5, false, 0.5) { Tokens = 128, Flops = 1e6 }, "w1", default));
        var now = (await store.ReadAsync("job", request.Stage, [8], default)).Single().Score;
        Assert.Null(now.PrefixNllSums);
        Assert.Equal((128L, 1e6), (now.Tokens, now.Flops));

        // The in-flight table of version 3 is there.
        var next = TestCoordinator.Request("job", 9, new NumericsSignature("2/avx2", "fp"));
        Assert.True(await store.SaveInFlightAsync(next, [[0.25]], "w1", default));
        var kept = await store.ReadInFlightAsync(next, default);
        Assert.Equal(new[] { 0.25 }, Assert.Single(kept!));
    }
}
