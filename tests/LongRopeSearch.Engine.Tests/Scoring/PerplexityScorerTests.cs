using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Engine.Tests;

public sealed class PerplexityScorerTests
{
    private static readonly ForwardPassOptions Reference = new() { Kind = ForwardPassKind.Reference, Threads = 2 };

    private static SampleSet Samples(int vocab, int length, int count, int seed = 20) =>
        new("mem", length, Enumerable.Range(0, count).Select(i => new Sample($"doc{i}", RawModel.Tokens(vocab, length, seed + i))).ToArray());

    [Fact]
    public void Mean_nll_is_the_mean_of_per_sample_means_of_the_forward_pass()
    {
        var m = RawModel.Random(new TinySpec());
        var w = m.ToWeights();
        var set = Samples(m.Spec.Vocab, 21, 3);
        var factors = new FactorSet([1, 2, 3, 4], 2, 1.1);
        var result = new PerplexityScorer(w, Reference).Evaluate(set, factors);

        // Per-sample mean of the L − 1 token NLLs, then the mean over samples, both summed in order in float64.
        var expected = set.Samples.Select(s => ReferenceForwardTests.Run(w, s.Tokens, factors).Aggregate(0.0, (a, b) => a + b) / 20).ToArray();
        Assert.Equal(21, result.Length);
        Assert.False(result.Abandoned);
        Assert.Equal(expected, result.PerSampleNll);
        Assert.Equal((expected[0] + expected[1] + expected[2]) / 3, result.MeanNll);
        Assert.Equal(Math.Exp(result.MeanNll), result.Ppl);
        Assert.True(result.Seconds >= 0);
    }

    [Fact]
    public void Evaluate_and_TokenNll_agree_exactly()
    {
        var w = RawModel.Random(new TinySpec()).ToWeights();
        var set = Samples(19, 17, 2);
        var f = new FactorSet([1, 5, 2, 8], 4, 1.25);
        using var scorer = new PerplexityScorer(w, Reference);
        var result = scorer.Evaluate(set, f);
        for (int i = 0; i < 2; i++)
        {
            var nll = scorer.TokenNll(set.Samples[i].Tokens, f);
            Assert.Equal(16, nll.Length);
            Assert.Equal(nll.Sum() / 16, result.PerSampleNll[i], 14);
            Assert.Equal(ReferenceForwardTests.Run(w, set.Samples[i].Tokens, f), nll);
        }

        var perToken = new List<(int Index, double[] Nll)>();
        var withTokens = scorer.EvaluateTokens(set, f, (i, nll) => perToken.Add((i, nll)));
        Assert.Equal(result.PerSampleNll, withTokens.PerSampleNll);
        Assert.Equal([0, 1], perToken.Select(p => p.Index));
        Assert.Equal(scorer.TokenNll(set.Samples[1].Tokens, f), perToken[1].Nll);
        Assert.NotSame(perToken[0].Nll, perToken[1].Nll);
    }

    [Fact]
    public void Stopping_after_a_sample_abandons_with_the_samples_done()
    {
        using var scorer = new PerplexityScorer(RawModel.Random(new TinySpec()).ToWeights(), Reference);
        var set = Samples(19, 9, 4);
        var seen = new List<(int Done, double[] SoFar)>();
        var result = scorer.Evaluate(set, FactorSet.Identity(4), (done, soFar) =>
        {
            seen.Add((done, soFar.ToArray()));
            return done < 2;
        });
        Assert.True(result.Abandoned);
        Assert.Equal([1, 2], seen.Select(s => s.Done));
        Assert.Single(seen[0].SoFar);
        Assert.Equal(result.PerSampleNll, seen[1].SoFar);
        Assert.Equal((result.PerSampleNll[0] + result.PerSampleNll[1]) / 2, result.MeanNll, 14);

        var full = scorer.Evaluate(set, FactorSet.Identity(4));
        Assert.Equal(full.PerSampleNll[..2], result.PerSampleNll);
    }

    [Fact]
    public void Stopping_after_the_last_sample_is_a_complete_result()
    {
        using var scorer = new PerplexityScorer(RawModel.Random(new TinySpec()).ToWeights(), Reference);
        var stoppedEarly = scorer.Evaluate(Samples(19, 9, 2), FactorSet.Identity(4), (_, _) => false);
        Assert.True(stoppedEarly.Abandoned); // stopped after sample 1 of 2
        Assert.Single(stoppedEarly.PerSampleNll);
        var complete = scorer.Evaluate(Samples(19, 9, 1), FactorSet.Identity(4), (_, _) => false);
        Assert.False(complete.Abandoned);
        Assert.Single(complete.PerSampleNll);
    }

    [Fact]
    public void Progress_counts_samples_and_tokens()
    {
        using var scorer = new PerplexityScorer(RawModel.Random(new TinySpec()).ToWeights(), Reference);
        var reports = new List<EvalProgress>();
        scorer.Evaluate(Samples(19, 10, 3), FactorSet.Identity(4), null, default, new ListProgress(reports));
        Assert.Equal([1, 2, 3], reports.Select(r => r.SamplesDone));
        Assert.Equal([10L, 20L, 30L], reports.Select(r => r.TokensDone));
        Assert.All(reports, r => Assert.Equal((3, 30L), (r.SampleCount, r.TokensTotal)));
        Assert.True(reports[2].Elapsed >= reports[0].Elapsed);
    }

    [Fact]
    public void Bad_requests_are_refused_with_named_fields()
    {
        var w = RawModel.Random(new TinySpec { SlidingWindow = 12 }).ToWeights();
        using var scorer = new PerplexityScorer(w, Reference);

        var pairs = Assert.Throws<InputException>(() => scorer.Evaluate(Samples(19, 8, 1), FactorSet.Identity(3)));
        Assert.Equal("factors", pairs.Field);
        Assert.Contains("4 factors", pairs.Message);
        Assert.Equal("factors", Assert.Throws<InputException>(() => scorer.TokenNll([1, 2, 3], FactorSet.Identity(5))).Field);

        Assert.Equal("length", Assert.Throws<InputException>(() => scorer.Evaluate(Samples(19, 1, 1), FactorSet.Identity(4))).Field);
        Assert.Equal("length", Assert.Throws<InputException>(() => scorer.TokenNll([1], FactorSet.Identity(4))).Field);
        scorer.Evaluate(Samples(19, 13, 1), FactorSet.Identity(4)); // longer than the window: scored with the window
        Assert.Equal("samples", Assert.Throws<InputException>(() => scorer.Evaluate(new SampleSet("empty", 8, []), FactorSet.Identity(4))).Field);

        var ragged = new SampleSet("mem", 8, [new Sample("short.txt", [1, 2, 3])]);
        Assert.Equal("short.txt", Assert.Throws<InputException>(() => scorer.Evaluate(ragged, FactorSet.Identity(4))).Origin);
        var badId = new SampleSet("mem", 3, [new Sample("ids.ids", [1, 200, 3])]);
        Assert.Equal("tokens[1]", Assert.Throws<InputException>(() => scorer.Evaluate(badId, FactorSet.Identity(4))).Field);
    }

    [Fact]
    public void Cancellation_stops_the_evaluation()
    {
        using var scorer = new PerplexityScorer(RawModel.Random(new TinySpec()).ToWeights(), Reference);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => scorer.Evaluate(Samples(19, 8, 2), FactorSet.Identity(4), null, cts.Token));
    }

    [Fact]
    public void Fast_kind_uses_the_given_factory_and_reference_kind_ignores_it()
    {
        var w = RawModel.Random(new TinySpec()).ToWeights();
        var spy = new SpyForwardPass();
        using var fast = new PerplexityScorer(w, new ForwardPassOptions { Kind = ForwardPassKind.Fast }, (_, _) => spy);
        Assert.Same(spy, fast.ForwardPass);
        fast.TokenNll([1, 2, 3], FactorSet.Identity(4));
        Assert.Equal(1, spy.Calls);

        using var reference = new PerplexityScorer(w, Reference, (_, _) => spy);
        Assert.IsType<ReferenceForward>(reference.ForwardPass);
    }

    [Fact]
    public void Fast_kind_without_a_factory_resolves_FastForward_and_agrees_with_the_reference()
    {
        var w = RawModel.Random(new TinySpec()).ToWeights();
        using var fast = new PerplexityScorer(w, new ForwardPassOptions { Kind = ForwardPassKind.Fast, Threads = 2 });
        Assert.IsType<FastForward>(fast.ForwardPass);
        var set = Samples(19, 33, 2);
        var f = new FactorSet([1, 2, 4, 8], 3, 1.2);
        var expected = new PerplexityScorer(w, Reference).Evaluate(set, f);
        var actual = fast.Evaluate(set, f);
        Assert.Equal(expected.MeanNll, actual.MeanNll, 1e-4 * Math.Abs(expected.MeanNll));
    }

    private sealed class ListProgress(List<EvalProgress> list) : IProgress<EvalProgress>
    {
        public void Report(EvalProgress value) => list.Add(value);
    }

    private sealed class SpyForwardPass : IForwardPass
    {
        public int Calls { get; private set; }

        public void TokenNll(ReadOnlySpan<int> tokens, RopeTable rope, Span<double> nll, CancellationToken cancellationToken = default)
        {
            Calls++;
            nll[..(tokens.Length - 1)].Fill(1.0);
        }
    }
}
