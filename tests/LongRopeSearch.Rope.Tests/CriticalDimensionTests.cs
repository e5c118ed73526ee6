using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Rope.Tests;

public class CriticalDimensionTests
{
    [Fact]
    public void Llama2_has_the_published_d_extra_92()
    {
        // Liu et al. 2023 report 92 for Llama 2 (d 128, b 10000, L0 4096).
        var c = CriticalDimension.Compute(new RopeGeometry(128, 10000, 4096));
        Assert.Equal(92, c.DExtra);
        Assert.Equal(46, c.Pair);
        Assert.InRange(c.ExactPairs, 45.0, 45.1);
    }

    [Fact]
    public void Head_dim_64_base_10000_trained_on_256()
    {
        // Periods 2π·10000^(2i/64): pair 12 → 198.7 (< 256), pair 13 → 264.9 (> 256).
        Assert.True(2 * Math.PI * Math.Pow(10000, 24.0 / 64) < 256);
        Assert.True(2 * Math.PI * Math.Pow(10000, 26.0 / 64) > 256);
        var c = CriticalDimension.Compute(new RopeGeometry(64, 10000, 256));
        Assert.Equal(13, c.Pair);
        Assert.Equal(26, c.DExtra);
    }

    [Theory]
    [InlineData(128, 10000.0, 4096)]
    [InlineData(128, 500000.0, 8192)]
    [InlineData(64, 10000.0, 256)]
    [InlineData(16, 10000.0, 128)]
    [InlineData(64, 10000.0, 4)]
    public void The_pair_is_the_first_whose_period_exceeds_L0_and_agrees_with_d_extra(int d, double b, int l0)
    {
        var c = CriticalDimension.Compute(new RopeGeometry(d, b, l0));
        for (int i = 0; i < d / 2; i++)
        {
            var period = 2 * Math.PI * Math.Pow(b, 2.0 * i / d);
            Assert.Equal(i >= c.Pair, period > l0);
        }
        Assert.Equal(c.DExtra, 2 * c.Pair);
    }

    [Fact]
    public void No_pair_exceeding_L0_gives_all_pairs()
    {
        var c = CriticalDimension.Compute(new RopeGeometry(8, 10, 1_000_000));
        Assert.Equal(4, c.Pair);
        Assert.Equal(8, c.DExtra);
    }
}
