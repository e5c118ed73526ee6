using LongRopeSearch.Cluster.Evaluations;
using LongRopeSearch.Cluster.Integration;
using LongRopeSearch.Cluster.Workers;
using Xunit;

namespace LongRopeSearch.Cluster.Tests;

/// <summary>
/// A search step with a prefix rule, through the work item's codec (<see cref="StepCodec"/> and the request's JSON
/// text): the worker gets the stage's prefix ends and the rule with every double's bits.
/// </summary>
public sealed class StepCodecTests
{
    [Fact]
    public void A_step_with_a_prefix_rule_survives_the_work_item_with_equal_bits()
    {
        var searcher = PrefixSteps.AtGeneration1();
        var step = searcher.PendingSteps()[0];
        var rule = step.Abandon!;
        Assert.True(rule.HasPrefixRule);  // the test is void unless the searcher built a prefix rule from generation 0

        var json = StepCodec.ToRequest("job", step, new NumericsSignature("2/avx2", "fp")).ToJson();
        var request = EvaluationRequest.FromJson(json);

        Assert.Equal(PrefixSteps.Ends, request.PrefixEnds);
        Assert.Equal(PrefixSteps.Bits(step.Candidate.Factors.Lambda), PrefixSteps.Bits(request.Lambda));
        Assert.Equal(BitConverter.DoubleToInt64Bits(step.Candidate.Factors.AttentionFactor), BitConverter.DoubleToInt64Bits(request.AttentionFactor));
        Assert.Equal((step.Candidate.Id, step.Length, step.Candidate.Factors.NHat, step.Candidate.Key), (request.CandidateId, request.Length, request.NHat, request.FactorKey));

        var decoded = StepCodec.Rule(request)!;
        Assert.True(decoded.HasPrefixRule);
        Assert.Equal(3L, decoded.ThresholdCandidateId);
        Assert.Equal(1, decoded.MinSamples);
        Assert.Equal(BitConverter.DoubleToInt64Bits(PrefixSteps.Margin), BitConverter.DoubleToInt64Bits(decoded.Margin));
        Assert.Equal(BitConverter.DoubleToInt64Bits(PrefixSteps.PrefixMargin), BitConverter.DoubleToInt64Bits(decoded.PrefixMargin));
        Assert.Equal(PrefixSteps.Ends, decoded.PrefixEnds);
        Assert.Equal(PrefixSteps.Bits(rule.ThresholdPerSampleNll), PrefixSteps.Bits(decoded.ThresholdPerSampleNll));
        var sums = decoded.ThresholdPrefixNllSums!;
        Assert.Equal(2, sums.Count);
        for (int i = 0; i < 2; i++) Assert.Equal(PrefixSteps.Bits(PrefixSteps.ThresholdSums[i]), PrefixSteps.Bits(sums[i]));
        // −0 is one of them: its sign must survive the text form.
        Assert.True(double.IsNegative(sums[0][0]));
    }

    [Fact]
    public void A_screen_step_keeps_its_sample_limit_and_a_continuation_its_completed_samples_and_stage()
    {
        var searcher = PrefixSteps.AtGeneration1();
        var step = searcher.PendingSteps()[0];
        var signature = new NumericsSignature("2/avx2", "fp");
        var screen = step with { Abandon = step.Abandon!.WithSampleLimit(1) };
        var screenRequest = EvaluationRequest.FromJson(StepCodec.ToRequest("job", screen, signature).ToJson());
        Assert.Equal(1, StepCodec.Rule(screenRequest)!.SampleLimit);
        Assert.Null(screenRequest.CompletedSamples);
        Assert.Equal(StepCodec.StageName(step), screenRequest.Stage);

        double[][] done = [[0.1 + 0.2, -0.0, 1e300, double.Epsilon]];
        var continuation = step with { CompletedSamples = done, Continuation = true };
        var request = EvaluationRequest.FromJson(StepCodec.ToRequest("job", continuation, signature).ToJson());
        Assert.Null(StepCodec.Rule(request)!.SampleLimit);
        Assert.Equal(PrefixSteps.Bits(done[0]), PrefixSteps.Bits(request.CompletedSamples!.Single()));
        Assert.Equal(StepCodec.StageName(step) + StepCodec.ContinuedSuffix, request.Stage);
    }

    [Fact]
    public void A_step_without_a_rule_or_prefix_ends_stays_without_them()
    {
        var space = PrefixSteps.Space;
        var searcher = new Search.LongRopeSearcher(
            Search.TargetSpace.Create(space with { Evolution = space.Evolution with { EarlyAbandon = new Search.EarlyAbandonSettings(false) } }, Rope.FactorKind.Long, PrefixSteps.Length, null, 1.0),
            [new Search.SeedCandidate("pi", new Rope.FactorSet(Enumerable.Repeat(8.0, 8).ToArray()))], 1UL);
        var request = EvaluationRequest.FromJson(StepCodec.ToRequest("job", searcher.PendingSteps()[0], new NumericsSignature("2/avx2", "fp")).ToJson());
        Assert.Null(request.PrefixEnds);
        Assert.Null(request.Abandon);
        Assert.Null(StepCodec.Rule(request));
    }
}
