using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Rope.Tests;

/// <summary>
/// The rules of <see cref="PublishedScaling"/> that are transformers' defaults rather than formulas (the formulas
/// against transformers' are the published.json fixture, LongRopeSearch.Model.Tests.PublishedScalingTests).
/// </summary>
public class PublishedScalingTests
{
    private static readonly ScalingSource Source = new("config.json", "rope_scaling");
    private static readonly RopeGeometry G = new(64, 10000, 4096);

    [Fact]
    public void Dynamic_ntk_is_plain_rope_up_to_max_position_embeddings_and_grows_its_base_beyond()
    {
        var s = PublishedScaling.DynamicNtk(G, 4, maxPositionEmbeddings: 8192, Source);
        Assert.Equal(("dynamic", 8192, true), (s.Type, s.OriginalLength, s.DependsOnLength));
        Assert.True(s.FactorsAt(100).IsIdentity);
        Assert.True(s.FactorsAt(8192).IsIdentity);
        var beyond = s.FactorsAt(16384);
        // base' = b·(4·2 − 3)^(64/62): the last pair's λ = (base'/b)^(62/64) = 5.
        Assert.Equal(5.0, beyond.Lambda[^1], 12);
        Assert.Equal(1.0, beyond.Lambda[0]);
        Assert.Equal(1.0, beyond.AttentionFactor);
    }

    [Fact]
    public void Yarn_attention_factor_follows_transformers_precedence()
    {
        double Af(double? attention, double? mscale, double? all) =>
            PublishedScaling.Yarn(G, 16, attention, null, null, mscale, all, null, Source).FactorsAt(1).AttentionFactor;
        Assert.Equal(1.3, Af(1.3, 0.7, 1.0));                                           // explicit attention_factor wins
        Assert.Equal((0.1 * 0.7 * Math.Log(16) + 1) / (0.1 * Math.Log(16) + 1), Af(null, 0.7, 1.0), 15);
        Assert.Equal(1.0, Af(null, 1.0, 1.0), 15);                                       // DeepSeek-V3: equal mscales cancel
        Assert.Equal(0.1 * Math.Log(16) + 1, Af(null, 0.7, null), 15);                  // one of the pair alone is ignored
        Assert.Equal(0.1 * Math.Log(16) + 1, Af(null, 0.0, 1.0), 15);                   // 0 is falsy in `mscale and mscale_all_dim`
    }

    [Fact]
    public void Yarn_beta_zero_means_the_default_and_yarn_is_the_baseline_ramp()
    {
        var withZeros = PublishedScaling.Yarn(G, 8, null, 0, 0, null, null, null, Source).FactorsAt(10);
        var baseline = Baselines.Yarn(G, 8);
        Assert.Equal(baseline.Lambda, withZeros.Lambda);
        Assert.Equal(baseline.AttentionFactor, withZeros.AttentionFactor);
        var untruncated = PublishedScaling.Yarn(G, 8, null, null, null, null, null, false, Source).FactorsAt(10);
        Assert.Equal(Baselines.Yarn(G, 8, truncate: false).Lambda, untruncated.Lambda);
        Assert.False(PublishedScaling.Yarn(G, 8, null, null, null, null, null, null, Source).DependsOnLength);
    }

    [Fact]
    public void Longrope_uses_short_factors_up_to_l0_and_long_ones_beyond_with_one_attention_factor()
    {
        var shortF = Enumerable.Repeat(1.0, 32).ToArray();
        var longF = Enumerable.Range(0, 32).Select(i => 1.0 + i).ToArray();
        var s = PublishedScaling.LongRope(G, shortF, longF, factor: null, attentionFactor: null, maxPositionEmbeddings: 131072, Source);
        Assert.Equal(shortF, s.FactorsAt(4096).Lambda);
        Assert.Equal(longF, s.FactorsAt(4097).Lambda);
        double af = Math.Sqrt(1 + Math.Log(32) / Math.Log(4096));
        Assert.Equal(af, s.FactorsAt(10).AttentionFactor, 15);
        Assert.Equal(af, s.FactorsAt(100000).AttentionFactor, 15);
        Assert.Contains("L0 4096", s.Describe(), StringComparison.Ordinal);
        // An explicit factor below 1 means no correction; an explicit attention factor wins.
        Assert.Equal(1.0, PublishedScaling.LongRope(G, shortF, longF, 0.5, null, 131072, Source).FactorsAt(1).AttentionFactor);
        Assert.Equal(1.2, PublishedScaling.LongRope(G, shortF, longF, 32, 1.2, 131072, Source).FactorsAt(1).AttentionFactor);
        Assert.Throws<ArgumentException>(() => PublishedScaling.LongRope(G, shortF, longF.Take(31).ToArray(), null, null, 131072, Source));
    }

    [Fact]
    public void Linear_and_llama3_do_not_depend_on_the_length()
    {
        var linear = PublishedScaling.Linear(G, 4, Source);
        Assert.All(linear.FactorsAt(7).Lambda, l => Assert.Equal(4.0, l));
        var llama3 = PublishedScaling.Llama3(G, 8, 1, 4, Source);
        Assert.Equal(Baselines.Llama3(G, 8).Lambda, llama3.FactorsAt(1).Lambda);
        Assert.Equal(llama3.FactorsAt(1).Lambda, llama3.FactorsAt(1_000_000).Lambda);
        Assert.Equal(("config.json", "rope_scaling"), (llama3.Source, llama3.Field));
    }
}
