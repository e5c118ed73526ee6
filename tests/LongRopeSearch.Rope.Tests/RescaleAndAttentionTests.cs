using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Rope.Tests;

public class RescaleAndAttentionTests
{
    [Fact]
    public void LongRope_default_attention_factor()
    {
        // ln 8 / ln 4096 = 3/12 exactly, so √1.25.
        Assert.Equal(Math.Sqrt(1.25), AttentionFactors.LongRopeDefault(8, 4096), 14);
        Assert.Equal(Math.Sqrt(1 + Math.Log(16) / Math.Log(256)), AttentionFactors.LongRopeDefault(16, 256), 14);
        Assert.Equal(1.0, AttentionFactors.LongRopeDefault(1, 4096));
        Assert.Equal(1.0, AttentionFactors.LongRopeDefault(0.5, 4096));
    }

    [Fact]
    public void Yarn_default_attention_factor()
    {
        Assert.Equal(1 + 0.1 * Math.Log(16), AttentionFactors.YarnDefault(16), 14);
        Assert.Equal(1.0, AttentionFactors.YarnDefault(0.25));
    }

    [Fact]
    public void Rescale_keeps_relative_position_between_one_and_the_scale()
    {
        var f = new FactorSet([1.0, 2.0, 4.5, 8.0], nHat: 5, attentionFactor: 1.2);
        var g = FactorSetRescale.ToScale(f, 8, 16, 1.3);
        // λ' = 1 + (λ − 1)·15/7
        Assert.Equal(new[] { 1.0, 1 + 15.0 / 7, 1 + 3.5 * 15 / 7, 16.0 }, g.Lambda.ToArray(), (a, b) => Math.Abs(a - b) < 1e-12);
        Assert.Equal(5, g.NHat);
        Assert.Equal(1.3, g.AttentionFactor);
        var back = FactorSetRescale.ToScale(g, 16, 8, 1.2);
        for (int i = 0; i < 4; i++) Assert.Equal(f.Lambda[i], back.Lambda[i], 12);
    }

    [Fact]
    public void Rescaling_pi_gives_pi_at_the_new_scale()
    {
        var g = new RopeGeometry(64, 10000, 256);
        var moved = FactorSetRescale.ToScale(Baselines.LinearInterpolation(g, 4), 4, 10, 1);
        Assert.All(moved.Lambda, l => Assert.Equal(10.0, l, 12));
    }

    [Fact]
    public void Rescale_from_scale_one_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => FactorSetRescale.ToScale(FactorSet.Identity(2), 1, 4, 1));
    }
}
