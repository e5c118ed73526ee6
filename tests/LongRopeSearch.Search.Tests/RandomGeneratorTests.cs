using LongRopeSearch.Search;
using Xunit;

namespace LongRopeSearch.Search.Tests;

public class RandomGeneratorTests
{
    [Fact]
    public void Xoshiro_matches_values_worked_by_hand_from_state_1_2_3_4()
    {
        // Worked from the published algorithm: out = rotl(s1·5, 7)·9. s1 = 2 → rotl(10, 7) = 1280 → 11520.
        // The update makes s1 = 2 ^ (3 ^ 1) = 0 → 0. Then s1 = 0 ^ (262146 ^ 7) = 262149 → rotl(1310745, 7)·9.
        var g = Xoshiro256StarStar.FromWords(1, 2, 3, 4);
        Assert.Equal(11520UL, g.NextUInt64());
        Assert.Equal(0UL, g.NextUInt64());
        Assert.Equal((1310745UL << 7) * 9, g.NextUInt64());
    }

    [Fact]
    public void SplitMix64_first_output_from_zero_is_the_reference_value()
    {
        ulong x = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, Xoshiro256StarStar.SplitMix64(ref x));
    }

    [Fact]
    public void State_round_trip_continues_the_same_sequence()
    {
        var a = Xoshiro256StarStar.FromSeed(42);
        for (int i = 0; i < 17; i++) a.NextUInt64();
        var b = Xoshiro256StarStar.FromState(a.GetState());
        for (int i = 0; i < 100; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
    }

    [Fact]
    public void Different_seeds_give_different_sequences()
    {
        var a = Xoshiro256StarStar.FromSeed(1);
        var b = Xoshiro256StarStar.FromSeed(2);
        Assert.NotEqual(Enumerable.Range(0, 8).Select(_ => a.NextUInt64()), Enumerable.Range(0, 8).Select(_ => b.NextUInt64()));
    }

    [Fact]
    public void NextInt_stays_in_range_and_covers_every_value()
    {
        var g = Xoshiro256StarStar.FromSeed(3);
        var counts = new int[7];
        for (int i = 0; i < 7000; i++) counts[g.NextInt(7)]++;
        // Each bucket expects 1000; ±200 is over 6 standard deviations.
        Assert.All(counts, c => Assert.InRange(c, 800, 1200));
        Assert.Equal(0, g.NextInt(1));
    }

    [Fact]
    public void NextDouble_is_in_unit_interval()
    {
        var g = Xoshiro256StarStar.FromSeed(5);
        for (int i = 0; i < 1000; i++) Assert.InRange(g.NextDouble(), 0.0, 0.9999999999999999);
    }

    [Theory]
    [InlineData("")]
    [InlineData("xoshiro256**:00")]
    [InlineData("xoshiro256**:0000000000000000:0000000000000000:0000000000000000:0000000000000000")]
    [InlineData("pcg:0000000000000001:0000000000000000:0000000000000000:0000000000000000")]
    public void FromState_rejects_bad_text(string text) => Assert.Throws<FormatException>(() => Xoshiro256StarStar.FromState(text));
}
