using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// The scorer's prefix-step evaluation: a completed one is today's evaluation bit for bit; the callback sees each
/// sample's NLL sums and counts after every step and can stop the candidate, which then has paid only for what it
/// did; without prefix stepping (memory budget, reference pass) the same steps are replayed with the same numbers.
/// </summary>
public sealed class PrefixStepScorerTests
{
    private static readonly TinySpec Spec = new() { Hidden = 32, Heads = 4, KvHeads = 2, HeadDim = 16, Intermediate = 48, Vocab = 30, Layers = 2, Seed = 13 };
    private static readonly FactorSet Factors = new([1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0], 3, 1.2);
    private const int Length = 140;

    private static SampleSet Samples(int count = 3) =>
        new("mem", Length, Enumerable.Range(0, count).Select(i => new Sample($"doc{i}", RawModel.Tokens(Spec.Vocab, Length, 40 + i))).ToArray());

    private static PerplexityScorer Fast(LlamaWeights w, long? maxMemory = null) =>
        new(w, new ForwardPassOptions { Threads = 2, Layer0CacheBytes = 0, MaxMemoryBytes = maxMemory });

    private static long Bits(double x) => BitConverter.DoubleToInt64Bits(x);

    [Fact]
    public void A_completed_prefix_step_evaluation_is_the_whole_evaluation_bit_for_bit()
    {
        var w = RawModel.Random(Spec).ToWeights(DType.BF16);
        var set = Samples();
        using var scorer = Fast(w);
        var whole = scorer.Evaluate(set, Factors);
        var steps = new List<PrefixStep>();
        var sumsSeen = new List<double[]>();
        int[] ends = [13, 50, 51, 100];
        var stepped = scorer.EvaluateInPrefixSteps(set, Factors, ends, s =>
        {
            steps.Add(s);
            sumsSeen.Add(s.NllSums.ToArray());
            return true;
        });

        Assert.Null(stepped.PrefixFallback);
        Assert.False(stepped.Abandoned);
        Assert.Equal(whole.PerSampleNll.Select(Bits), stepped.PerSampleNll.Select(Bits));
        Assert.Equal(Bits(whole.MeanNll), Bits(stepped.MeanNll));
        Assert.Equal([13, 50, 51, 100, Length - 1], stepped.PrefixEnds!);

        // Five steps per sample, samples in order; each sum is the forward pass's NLLs over the prefix, in order.
        Assert.Equal(15, steps.Count);
        for (int i = 0; i < 3; i++)
        {
            var nll = scorer.TokenNll(set.Samples[i].Tokens, Factors);
            for (int k = 0; k < 5; k++)
            {
                var s = steps[i * 5 + k];
                int end = stepped.PrefixEnds![k];
                Assert.Equal((i, k, end, Length - 1, 3, false), (s.Sample, s.Step, s.Position, s.Positions, s.SampleCount, s.Deferred));
                Assert.Equal(i + (end == Length - 1 ? 1 : 0), s.SamplesDone);
                Assert.Equal(i + 1, sumsSeen[i * 5 + k].Length);
                double sum = 0;
                for (int t = 0; t < end; t++) sum += nll[t];
                Assert.Equal(Bits(sum), Bits(sumsSeen[i * 5 + k][i]));
                Assert.Equal(Bits(sum), Bits(stepped.PrefixNllSums![i][k]));
            }
            Assert.Equal(Bits(whole.PerSampleNll[i]), Bits(stepped.PrefixNllSums![i][^1] / (Length - 1)));
        }
    }

    [Fact]
    public void Stopping_mid_sample_abandons_having_paid_for_the_prefix_only()
    {
        var w = RawModel.Random(Spec).ToWeights(DType.F16);
        var set = Samples();
        using var scorer = Fast(w);
        var fast = Assert.IsType<FastForward>(scorer.ForwardPass);
        fast.Work.Reset();
        // Stop in the second sample after its second step (position 69 of 139).
        var result = scorer.EvaluateInPrefixSteps(set, Factors, PrefixSchedule.Even(Length, 4), s => !(s.Sample == 1 && s.Step == 1));

        Assert.True(result.Abandoned);
        Assert.Single(result.PerSampleNll);
        Assert.Equal(2, result.PrefixNllSums!.Count);
        Assert.Equal(2, result.PrefixNllSums[1].Length);
        Assert.Equal(Bits(result.PerSampleNll[0]), Bits(result.MeanNll));
        // Sample 0 complete (139 rows), sample 1 to position 69: nothing of steps 3–4 of sample 1 nor of sample 2.
        Assert.Equal([34, 69, 104, 139], result.PrefixEnds!);
        Assert.Equal(Spec.Layers * (139L + 69), fast.Work.LayerRows);
        Assert.Equal(Spec.Layers * (ForwardCost.CausalPairs(0, 139) + ForwardCost.CausalPairs(0, 69)), fast.Work.AttentionPairs);
        Assert.Equal(139L + 69, fast.Work.LogitRows);

        // Abandoned inside the first sample: the mean is over the positions done.
        var first = scorer.EvaluateInPrefixSteps(set, Factors, [20, 70], s => s.Position < 20);
        Assert.True(first.Abandoned);
        Assert.Empty(first.PerSampleNll);
        Assert.Equal(Bits(first.PrefixNllSums![0][0] / 20), Bits(first.MeanNll));

        // Stopping at the very last step is a complete result.
        var last = scorer.EvaluateInPrefixSteps(set, Factors, [70], s => s.SamplesDone < 3);
        Assert.False(last.Abandoned);
        Assert.Equal(3, last.PerSampleNll.Length);
    }

    [Fact]
    public void Over_the_memory_budget_the_steps_are_replayed_after_whole_passes_with_the_same_numbers()
    {
        var w = RawModel.Random(Spec).ToWeights();
        var set = Samples();
        using var stepping = Fast(w);
        var fast = (FastForward)stepping.ForwardPass;
        long prefixBytes = fast.PrefixEvaluationBytes(Length), wholeBytes = fast.WholePassBytes(Length);
        Assert.True(prefixBytes > wholeBytes, "keeping every layer's keys and values costs more than one layer's");
        using var budgeted = Fast(w, maxMemory: prefixBytes - 1);
        using var enough = Fast(w, maxMemory: prefixBytes);
        Assert.Null(enough.PrefixSteppingUnavailable(Length));
        var reason = budgeted.PrefixSteppingUnavailable(Length);
        Assert.NotNull(reason);
        Assert.Contains("memory budget", reason, StringComparison.Ordinal);

        // The same rule (stop when sample 1's prefix mean is past a bar) stops both at the same step.
        double bar = stepping.Evaluate(set, Factors).PerSampleNll.Min() - 0.5;
        bool Rule(PrefixStep s) => s.Sample == 0 || s.SampleMeanSoFar < bar;
        var deferredSeen = new List<bool>();
        var a = stepping.EvaluateInPrefixSteps(set, Factors, [40, 90], Rule);
        var b = budgeted.EvaluateInPrefixSteps(set, Factors, [40, 90], s => { deferredSeen.Add(s.Deferred); return Rule(s); });
        Assert.True(a.Abandoned);
        Assert.Null(a.PrefixFallback);
        Assert.Equal(reason, b.PrefixFallback);
        Assert.All(deferredSeen, Assert.True);
        Assert.Equal(a.Abandoned, b.Abandoned);
        Assert.Equal(a.PerSampleNll.Select(Bits), b.PerSampleNll.Select(Bits));
        Assert.Equal(Bits(a.MeanNll), Bits(b.MeanNll));
        Assert.Equal(a.PrefixNllSums!.Select(x => x.Select(Bits)), b.PrefixNllSums!.Select(x => x.Select(Bits)));
        // The budgeted one ran whole passes: sample 1 cost all its rows although it stopped at position 40.
        Assert.Equal(Spec.Layers * 2L * Length, ((FastForward)budgeted.ForwardPass).Work.LayerRows);
    }

    [Fact]
    public void The_reference_pass_replays_the_steps()
    {
        var w = RawModel.Random(Spec).ToWeights();
        var set = Samples(2);
        using var scorer = new PerplexityScorer(w, new ForwardPassOptions { Kind = ForwardPassKind.Reference, Threads = 2 });
        Assert.Contains("whole sequences only", scorer.PrefixSteppingUnavailable(Length), StringComparison.Ordinal);
        var steps = 0;
        var result = scorer.EvaluateInPrefixSteps(set, Factors, [60], s => { Assert.True(s.Deferred); steps++; return true; });
        Assert.Equal(4, steps);
        Assert.Equal(scorer.Evaluate(set, Factors).PerSampleNll.Select(Bits), result.PerSampleNll.Select(Bits));
    }

    [Fact]
    public void Schedules_are_increasing_positions_ending_at_the_last()
    {
        Assert.Equal([34, 69, 104, 139], PrefixSchedule.Even(140, 4));
        Assert.Equal([1, 2], PrefixSchedule.Even(3, 5));
        Assert.Equal([139], PrefixSchedule.Even(140, 1));
        Assert.Equal([10, 139], PrefixSchedule.Complete([10], 140));
        Assert.Equal([10, 139], PrefixSchedule.Complete([10, 139], 140));
        Assert.Throws<InputException>(() => PrefixSchedule.Complete([10, 10], 140));
        Assert.Throws<InputException>(() => PrefixSchedule.Complete([0, 10], 140));
        Assert.Throws<InputException>(() => PrefixSchedule.Complete([140], 140));
        Assert.Throws<InputException>(() => PrefixSchedule.Even(140, 0));
    }
}
