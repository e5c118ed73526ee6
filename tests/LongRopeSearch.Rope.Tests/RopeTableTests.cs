using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Rope.Tests;

public class RopeTableTests
{
    [Fact]
    public void Positions_below_nhat_keep_the_original_angle_and_no_attention_factor()
    {
        var f = new FactorSet(new double[] { 2, 4 }, nHat: 3, attentionFactor: 1.5);
        var t = RopeTable.Build(f, ropeTheta: 100, rotaryDim: 4, length: 6);
        // pair 1: θ = 100^(-2/4) = 0.1
        Assert.Equal(Math.Cos(2 * 0.1), t.Cos[2 * 2 + 1], 6);
        Assert.Equal(Math.Cos(4 * 0.1 / 4) * 1.5, t.Cos[4 * 2 + 1], 6);
        Assert.Equal(Math.Sin(5 * 1.0 / 2) * 1.5, t.Sin[5 * 2 + 0], 6);
    }

    [Fact]
    public void Factor_count_must_match_the_pairs()
    {
        Assert.Throws<ArgumentException>(() => RopeTable.Build(FactorSet.Identity(3), 10000, 4, 8));
    }

    [Fact]
    public void Nonpositive_or_nan_factor_is_rejected_with_its_index()
    {
        var e = Assert.Throws<LongRopeSearch.Core.InputException>(() => new FactorSet(new[] { 1.0, double.NaN }));
        Assert.Contains("factors[1]", e.Message);
        Assert.Throws<LongRopeSearch.Core.InputException>(() => new FactorSet(new[] { 1.0, 0.0 }));
    }
}
