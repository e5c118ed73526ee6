using LongRopeSearch.Cluster.Database;
using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Workers;
using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// The finished samples of an evaluation in flight in longrope.evaluations_in_flight: every double back with its
/// bits, a later sample replaces the row, a copy that is behind cannot shrink it, other factors never read it, and
/// recording the evaluation's result deletes it (and later writes of a finished evaluation are refused).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class InFlightSamplesStoreTests(PostgresServer server)
{
    private static readonly NumericsSignature Signature = new("2/avx2", "fp");

    private static void AssertSameBits(IReadOnlyList<double[]> expected, IReadOnlyList<double[]>? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(PrefixSteps.Bits(expected[i]), PrefixSteps.Bits(actual[i]));
    }

    [Fact]
    public async Task Finished_samples_round_trip_bit_exact_are_replaced_by_later_ones_and_cleared_by_the_result()
    {
        var cs = await server.CreateDatabaseAsync();
        await using var db = await ClusterDatabase.ConnectAsync(cs);
        await new Jobs.ClusterJobs(db).CreateAsync("job", "{}", default);
        var store = new EvaluationStore(db);
        var request = TestCoordinator.Request("job", 5, Signature);
        var neighbour = TestCoordinator.Request("job", 6, Signature);

        Assert.Null(await store.ReadInFlightAsync(request, default));

        // Sample 0 of three prefix steps, then samples 0 and 1: awkward doubles (not exact in decimal, huge, the
        // largest, subnormal, negative zero) must come back with every bit.
        double[] sample0 = [0.1 + 0.2, 1e300, 1.7976931348623157e308];
        double[] sample1 = [5e-324, -0.0, 12345.678901234567];
        Assert.True(await store.SaveInFlightAsync(request, [sample0], "w1", default));
        AssertSameBits([sample0], await store.ReadInFlightAsync(request, default));
        Assert.True(await store.SaveInFlightAsync(request, [sample0, sample1], "w1", default));
        AssertSameBits([sample0, sample1], await store.ReadInFlightAsync(request, default));
        Assert.Equal(-0.0, (await store.ReadInFlightAsync(request, default))![1][1]);
        Assert.True(double.IsNegative((await store.ReadInFlightAsync(request, default))![1][1]));

        // A duplicate copy of the item that is one sample behind does not undo the progress.
        Assert.False(await store.SaveInFlightAsync(request, [sample0], "w2", default));
        AssertSameBits([sample0, sample1], await store.ReadInFlightAsync(request, default));

        // Kept for this candidate's factors only: the same candidate id with another factor key reads nothing.
        Assert.Null(await store.ReadInFlightAsync(request with { FactorKey = "other" }, default));

        // Recording the result deletes the row (the neighbour's stays); later writes for it are refused.
        Assert.True(await store.SaveInFlightAsync(neighbour, [[1.5]], "w1", default));
        Assert.True(await store.TryRecordAsync(request, new CandidateScore([1.0, 2.0, 3.0], 2.0, false, 0.5), "w1", default));
        Assert.Null(await store.ReadInFlightAsync(request, default));
        Assert.False(await store.SaveInFlightAsync(request, [sample0, sample1], "w2", default));
        Assert.Null(await store.ReadInFlightAsync(request, default));
        AssertSameBits([[1.5]], await store.ReadInFlightAsync(neighbour, default));
        Assert.Equal(1L, await ClusterDatabaseTests.Sql(cs, "SELECT count(*) FROM longrope.evaluations_in_flight"));

        // A row left by a copy whose write raced the record is cleared by a duplicate's record (which stores nothing).
        await ClusterDatabaseTests.Sql(cs, """
            INSERT INTO longrope.evaluations_in_flight (job_id, stage, candidate_id, factor_key, sample_steps, nll_sums, worker_id)
            VALUES ('job', 'long-64', 5, 'k5', '{1}', '{0.5}', 'w3')
            """);
        Assert.False(await store.TryRecordAsync(request, new CandidateScore([1.0, 2.0, 3.0], 2.0, false, 0.5), "w3", default));
        Assert.Equal(1L, await ClusterDatabaseTests.Sql(cs, "SELECT count(*) FROM longrope.evaluations_in_flight"));
        Assert.True(await store.TryRecordAsync(neighbour, new CandidateScore([1.0], 1.0, false, 0.5), "w1", default));
        Assert.Equal(0L, await ClusterDatabaseTests.Sql(cs, "SELECT count(*) FROM longrope.evaluations_in_flight"));
    }
}
