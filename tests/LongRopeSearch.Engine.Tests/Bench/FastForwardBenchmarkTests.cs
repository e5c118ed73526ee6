using System.Text.Json;
using LongRopeSearch.Engine.Bench;
using LongRopeSearch.Model;
using Xunit;

namespace LongRopeSearch.Engine.Tests;

/// <summary>The benchmark's bookkeeping (sample making, FLOP count, report); never its timings.</summary>
public sealed class FastForwardBenchmarkTests
{
    [Fact]
    public void Samples_concatenate_documents_in_order_and_wrap_around()
    {
        int[][] docs = [[1, 2, 3], [4, 5], [6]];
        Assert.Equal([1, 2], EngineBenchmark.ConcatenatedSample(docs, 2));
        Assert.Equal([1, 2, 3, 4, 5, 6, 1, 2], EngineBenchmark.ConcatenatedSample(docs, 8));
    }

    [Fact]
    public void Flops_count_projections_mlp_head_and_causal_pairs()
    {
        var c = new TinySpec { Hidden = 8, Heads = 2, KvHeads = 1, HeadDim = 4, Intermediate = 12, Vocab = 10, Layers = 3 }.Config();
        int length = 5;
        // Counted by hand: per token and layer q 8·8, k 8·4, v 8·4, o 8·8, gate/up/down 3·8·12 multiply-adds;
        // lm head 8·10; attention: per head and causal pair (15 pairs for L = 5) 4 + 4 multiply-adds.
        double macsPerToken = 3 * (64 + 32 + 32 + 64 + 288) + 80;
        double attentionMacs = 3 * 2 * 15 * 8;
        Assert.Equal(2 * (length * macsPerToken + attentionMacs), EngineBenchmark.ForwardFlops(c, length));

        // A 2-key window on layers 0 and 2: 1 + 2 + 2 + 2 + 2 = 9 pairs there instead of 15.
        var windowed = c with { SlidingWindow = 2, WindowedLayers = [true, false, true] };
        Assert.Equal(2 * (length * macsPerToken + (9 + 15 + 9) * 2 * 8), EngineBenchmark.ForwardFlops(windowed, length));
    }

    [Fact]
    public void Run_reports_every_length_and_shape_as_json()
    {
        var spec = new TinySpec { Hidden = 16, Heads = 2, KvHeads = 1, HeadDim = 16, Intermediate = 24, Vocab = 19 };
        var w = RawModel.Random(spec).ToWeights();
        int[][] docs = [RawModel.Tokens(spec.Vocab, 20, seed: 1), RawModel.Tokens(spec.Vocab, 7, seed: 2)];
        var options = new EngineBenchmarkOptions { Lengths = [16, 40], Repeats = 1, Threads = 2, GemmRows = 7, GemmShapes = [(32, 48)] };
        var result = EngineBenchmark.Run("tiny", w, docs, options);
        Assert.Equal([16, 40], result.Lengths.Select(l => l.Length));
        Assert.All(result.Lengths, l => Assert.True(l.TokensPerSecond > 0 && l.PeakMemoryBytes > 0 && double.IsFinite(l.MeanNll)));
        // The mean NLL is the reference forward pass's on the same concatenated sample.
        var sample = EngineBenchmark.ConcatenatedSample(docs, 40);
        var expected = FastForwardTests.RunReference(w, sample, LongRopeSearch.Rope.FactorSet.Identity(spec.HeadDim / 2)).Average();
        Assert.Equal(expected, result.Lengths[1].MeanNll, 4);
        Assert.Equal(2, result.Gemm.Count); // F32 and BF16
        using var json = JsonDocument.Parse(result.ToJson());
        Assert.Equal(2, json.RootElement.GetProperty("lengths").GetArrayLength());
        Assert.True(json.RootElement.GetProperty("gemm")[0].GetProperty("gflop_per_second").GetDouble() > 0);
        Assert.Contains("L(L+1)", json.RootElement.GetProperty("flop_formula").GetString(), StringComparison.Ordinal);
        Assert.Empty(result.Prefix);
    }

    [Fact]
    public void Prefix_steps_report_both_modes_with_the_same_bits_and_the_cost_of_each_prefix()
    {
        var spec = new TinySpec { Hidden = 16, Heads = 2, KvHeads = 1, HeadDim = 16, Intermediate = 24, Vocab = 19, Layers = 3 };
        var w = RawModel.Random(spec).ToWeights();
        int[][] docs = [RawModel.Tokens(spec.Vocab, 50, seed: 1)];
        var options = new EngineBenchmarkOptions { Lengths = [40, 130], Repeats = 2, Threads = 2, GemmRows = 0, PrefixSteps = 3, Note = "loaded" };
        var result = EngineBenchmark.Run("tiny", w, docs, options);
        Assert.Equal([40, 130], result.Prefix.Select(p => p.Length));
        var p = result.Prefix[1];
        Assert.Equal([43, 86, 129], p.Ends);
        Assert.True(p.SameBits);
        Assert.True(p.TokensPerSecond > 0 && p.PeakMemoryBytes > 0 && p.EngineBytes > 0 && result.Lengths[1].EngineBytes > 0);
        var c = spec.Config();
        Assert.Equal(p.Ends.Select(e => ForwardCost.Flops(c, 0, e) / ForwardCost.Flops(c, 0, 130)), p.CostFractions);
        using var json = JsonDocument.Parse(result.ToJson());
        Assert.True(json.RootElement.GetProperty("prefix")[0].GetProperty("same_bits").GetBoolean());
        Assert.Equal("loaded", json.RootElement.GetProperty("note").GetString());

        // Over a budget the prefix mode is skipped, and says so.
        var lines = new List<string>();
        var budgeted = EngineBenchmark.Run("tiny", w, docs, options with { Lengths = [130], Repeats = 1, MaxMemoryBytes = 1000 }, lines.Add);
        Assert.Empty(budgeted.Prefix);
        Assert.Contains(lines, l => l.Contains("over the", StringComparison.Ordinal) && l.Contains("budget", StringComparison.Ordinal));
    }

    [Fact]
    public void Cost_of_rows_adds_up_and_weighs_attention_by_position()
    {
        var c = new TinySpec { Hidden = 8, Heads = 2, KvHeads = 1, HeadDim = 4, Intermediate = 12, Vocab = 10, Layers = 3 }.Config();
        // Continuations add up to the whole pass, which is the benchmark's count.
        Assert.Equal(EngineBenchmark.ForwardFlops(c, 100), ForwardCost.Flops(c, 0, 37) + ForwardCost.Flops(c, 37, 80) + ForwardCost.Flops(c, 80, 100));
        // Same row count later in the sequence costs more: row t attends to t + 1 keys (4·heads·head_dim FLOPs per pair and layer).
        double rows = ForwardCost.Flops(c, 0, 10), later = ForwardCost.Flops(c, 90, 100);
        Assert.Equal(3 * 4.0 * 2 * 4 * (ForwardCost.CausalPairs(90, 100) - ForwardCost.CausalPairs(0, 10)), later - rows);
        Assert.Equal(55, ForwardCost.CausalPairs(0, 10));
        Assert.Equal(0, ForwardCost.Flops(c, 5, 5));
        Assert.Throws<ArgumentOutOfRangeException>(() => ForwardCost.Flops(c, 6, 5));
    }
}
