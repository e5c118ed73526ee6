using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// An evaluation continued after the samples an interrupted run finished (<c>completedSamples</c>) is the
/// uninterrupted one bit for bit, evaluates only the remaining samples, and offers only their steps to the callback.
/// </summary>
public sealed class PrefixResumeScorerTests
{
    private static readonly TinySpec Spec = new() { Hidden = 32, Heads = 4, KvHeads = 2, HeadDim = 16, Intermediate = 48, Vocab = 30, Layers = 2, Seed = 17 };
    private static readonly FactorSet Factors = new([1.0, 1.5, 2.0, 3.0, 4.0, 6.0, 8.0, 12.0], 2, 1.1);
    private const int Length = 120;

    private static long Bits(double x) => BitConverter.DoubleToInt64Bits(x);

    [Fact]
    public void Continuing_after_finished_samples_gives_the_uninterrupted_result()
    {
        var w = RawModel.Random(Spec).ToWeights(DType.F32);
        var set = new SampleSet("mem", Length, Enumerable.Range(0, 3).Select(i => new Sample($"doc{i}", RawModel.Tokens(Spec.Vocab, Length, 70 + i))).ToArray());
        using var scorer = new PerplexityScorer(w, new ForwardPassOptions { Threads = 2, Layer0CacheBytes = 0 });
        int[] ends = [30, 60];
        var full = scorer.EvaluateInPrefixSteps(set, Factors, ends, null);
        var whole = scorer.Evaluate(set, Factors);

        var seen = new List<int>();
        var resumed = scorer.EvaluateInPrefixSteps(set, Factors, ends, s => { seen.Add(s.Sample); return true; },
            completedSamples: [full.PrefixNllSums![0], full.PrefixNllSums[1]]);

        Assert.Equal(whole.PerSampleNll.Select(Bits), resumed.PerSampleNll.Select(Bits));
        Assert.Equal(Bits(whole.MeanNll), Bits(resumed.MeanNll));
        Assert.Equal(full.PrefixNllSums.Select(a => a.Select(Bits)), resumed.PrefixNllSums!.Select(a => a.Select(Bits)));
        Assert.Equal([2, 2, 2], seen); // only the last sample's three steps ran
        Assert.Throws<ArgumentException>(() => scorer.EvaluateInPrefixSteps(set, Factors, ends, null, completedSamples: [[1.0]]));
    }
}
