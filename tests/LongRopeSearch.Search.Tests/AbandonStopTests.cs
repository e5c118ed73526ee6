using Xunit;

namespace LongRopeSearch.Search.Tests;

/// <summary>Where an abandoned evaluation stopped, as the stage counters record it for `longrope plan --from`.</summary>
public sealed class AbandonStopTests
{
    private static readonly int[] Ends = [31, 63, 127];

    [Fact]
    public void A_stop_after_a_prefix_step_records_its_complete_samples_and_the_rows_done_of_the_next()
    {
        // Sample 0 complete (3 step sums), sample 1 stopped after its second step (rows [0, 63)).
        var inside = CandidateScore.FromSamples([2.0], abandoned: true) with { PrefixEnds = Ends, PrefixNllSums = [[1, 2, 3], [1, 2]] };
        Assert.Equal(new AbandonStop(1, 63, 1), AbandonStop.Of(inside));

        // Stopped inside sample 0, after its first step.
        var first = new CandidateScore([], 2.0, true, 0) { PrefixEnds = Ends, PrefixNllSums = [[1]] };
        Assert.Equal(new AbandonStop(0, 31, 1), AbandonStop.Of(first));

        // Stopped at the end of sample 1 (the per-sample rule): no rows of a next sample.
        var atEnd = CandidateScore.FromSamples([2.0, 2.1], abandoned: true) with { PrefixEnds = Ends, PrefixNllSums = [[1, 2, 3], [1, 2, 3]] };
        Assert.Equal(new AbandonStop(2, 0, 1), AbandonStop.Of(atEnd));

        // Without prefix sums (an evaluator that does not step): its complete samples.
        Assert.Equal(new AbandonStop(1, 0, 1), AbandonStop.Of(CandidateScore.FromSamples([2.0], abandoned: true)));
    }

    [Fact]
    public void Counters_add_stops_of_the_same_place_and_keep_null_when_none()
    {
        var a = new SearchCounters { Abandoned = 2, Stops = [new(0, 31, 1), new(1, 0, 1)] };
        var b = new SearchCounters { Abandoned = 2, Stops = [new(1, 0, 1), new(0, 63, 1)] };
        Assert.Equal([new AbandonStop(0, 31, 1), new AbandonStop(0, 63, 1), new AbandonStop(1, 0, 2)], (a + b).Stops!);
        Assert.Null((new SearchCounters() + new SearchCounters()).Stops);

        // Counters that count the same stops are equal, whatever collection instance holds them.
        Assert.Equal(a + b, b + a);
        Assert.NotEqual(a, b);
    }
}
