using LongRopeSearch.Rope;
using Xunit;

namespace LongRopeSearch.Rope.Tests;

/// <summary>
/// Each baseline against an independent re-derivation: closed forms in λ where they exist, otherwise θ'_i computed
/// directly from the method's definition (wavelength bands, rotation counts) rather than through the code's helpers.
/// </summary>
public class BaselinesTests
{
    public static TheoryData<int, double, int, double> Cases => new()
    {
        { 128, 10000, 4096, 8 },
        { 128, 500000, 8192, 16 },
        { 64, 10000, 256, 4 },
        { 64, 10000, 256, 2.5 },
        { 16, 10000, 128, 32 },
    };

    private static double Theta(double b, int d, int i) => 1.0 / Math.Pow(b, 2.0 * i / d);

    private static void AssertRelative(double expected, double actual, double tol = 1e-12) =>
        Assert.True(Math.Abs(actual - expected) <= tol * Math.Abs(expected), $"expected {expected:R}, got {actual:R}");

    [Theory, MemberData(nameof(Cases))]
    public void Pi_is_s_everywhere_with_no_attention_factor(int d, double b, int l0, double s)
    {
        var f = Baselines.Create(BaselineMethod.Pi, new RopeGeometry(d, b, l0), s);
        Assert.Equal(d / 2, f.Pairs);
        Assert.All(f.Lambda, l => Assert.Equal(s, l));
        Assert.Equal(1.0, f.AttentionFactor);
        Assert.Equal(0, f.NHat);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Ntk_matches_the_closed_form_and_ends_at_s(int d, double b, int l0, double s)
    {
        var f = Baselines.Create(BaselineMethod.Ntk, new RopeGeometry(d, b, l0), s);
        var newBase = b * Math.Pow(s, d / (d - 2.0));
        for (int i = 0; i < d / 2; i++)
        {
            AssertRelative(Theta(b, d, i) / Theta(newBase, d, i), f.Lambda[i]);
            AssertRelative(Math.Pow(s, 2.0 * i / (d - 2)), f.Lambda[i]); // (s^(d/(d−2)))^(2i/d)
        }
        Assert.Equal(1.0, f.Lambda[0]);
        AssertRelative(s, f.Lambda[^1]);
        Assert.Equal(1.0, f.AttentionFactor);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Dynamic_ntk_at_the_target_grows_the_base_by_s_squared_minus_s_plus_1(int d, double b, int l0, double s)
    {
        var f = Baselines.Create(BaselineMethod.DynamicNtk, new RopeGeometry(d, b, l0), s);
        var target = s * l0;
        var ratio = s * target / l0 - (s - 1); // HF: factor·seq_len/max_pos − (factor − 1)
        AssertRelative(s * s - s + 1, ratio);
        for (int i = 0; i < d / 2; i++) AssertRelative(Math.Pow(ratio, 2.0 * i / (d - 2)), f.Lambda[i]);
        Assert.Equal(1.0, f.AttentionFactor);
    }

    [Fact]
    public void Dynamic_ntk_never_shrinks_the_base_below_the_trained_length()
    {
        var g = new RopeGeometry(64, 10000, 256);
        Assert.True(Baselines.DynamicNtk(g, 4, sequenceLength: 100).IsIdentity);
        Assert.True(Baselines.Create(BaselineMethod.DynamicNtk, g, 0.5).IsIdentity);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Yarn_matches_a_rotation_count_derivation(int d, double b, int l0, double s)
    {
        var f = Baselines.Create(BaselineMethod.Yarn, new RopeGeometry(d, b, l0), s);
        // Pair index at which the pair makes exactly r turns over L0: L0·θ_i / (2π) = r.
        double PairForTurns(double r) => d / 2.0 * (Math.Log(l0) - Math.Log(2 * Math.PI * r)) / Math.Log(b);
        double low = Math.Max(Math.Floor(PairForTurns(32)), 0);
        double high = Math.Min(Math.Ceiling(PairForTurns(1)), d - 1);
        if (low == high) high += 0.001;
        for (int i = 0; i < d / 2; i++)
        {
            var r = Math.Min(1, Math.Max(0, (i - low) / (high - low))); // 0 = keep, 1 = interpolate
            var thetaPrime = Theta(b, d, i) * (r / s + (1 - r));
            AssertRelative(Theta(b, d, i) / thetaPrime, f.Lambda[i]);
            if (i <= low) Assert.Equal(1.0, f.Lambda[i], 12);
            if (i >= high) AssertRelative(s, f.Lambda[i]);
        }
        AssertRelative(0.1 * Math.Log(s) + 1, f.AttentionFactor);
    }

    [Fact]
    public void Yarn_correction_range_for_llama2_is_20_to_46()
    {
        // By hand: 64·ln(4096/(2π·32))/ln 10000 = 20.94 → floor 20; 64·ln(4096/2π)/ln 10000 = 45.03 → ceil 46.
        var (low, high) = Baselines.YarnCorrectionRange(new RopeGeometry(128, 10000, 4096));
        Assert.Equal(20, low);
        Assert.Equal(46, high);
        var (rawLow, rawHigh) = Baselines.YarnCorrectionRange(new RopeGeometry(128, 10000, 4096), truncate: false);
        Assert.InRange(rawLow, 20.94, 20.95);
        Assert.InRange(rawHigh, 45.02, 45.03);
    }

    [Fact]
    public void Yarn_zero_width_ramp_uses_the_guard_instead_of_dividing_by_zero()
    {
        // L0 = 6 < 2π: both correction dims are negative; both clamp to 0, and the 0.001-wide ramp makes pair 0 kept
        // and every other pair fully interpolated.
        var f = Baselines.Yarn(new RopeGeometry(64, 10000, 6), 4);
        Assert.Equal(1.0, f.Lambda[0]);
        for (int i = 1; i < 32; i++) AssertRelative(4, f.Lambda[i]);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Llama3_matches_the_wavelength_bands(int d, double b, int l0, double s)
    {
        var f = Baselines.Create(BaselineMethod.Llama3, new RopeGeometry(d, b, l0), s);
        for (int i = 0; i < d / 2; i++)
        {
            var wavelength = 2 * Math.PI * Math.Pow(b, 2.0 * i / d);
            double expected;
            if (wavelength < l0 / 4.0) expected = 1;
            else if (wavelength > l0) expected = s;
            else
            {
                var k = (l0 / wavelength - 1) / 3; // 1 at L0/4, 0 at L0
                expected = 1 / ((1 - k) / s + k);
            }
            AssertRelative(expected, f.Lambda[i]);
        }
        Assert.Equal(1.0, f.AttentionFactor);
    }

    [Theory, MemberData(nameof(Cases))]
    public void Every_method_is_monotone_non_decreasing_and_between_1_and_s(int d, double b, int l0, double s)
    {
        var g = new RopeGeometry(d, b, l0);
        foreach (var (name, f) in Baselines.All(g, s))
        {
            Assert.Equal(d / 2, f.Pairs);
            for (int i = 1; i < f.Pairs; i++)
                Assert.True(f.Lambda[i] >= f.Lambda[i - 1], $"{name}: λ[{i}] {f.Lambda[i]} < λ[{i - 1}] {f.Lambda[i - 1]}");
            Assert.True(f.Lambda[0] >= 1 - 1e-12, name);
            if (name != "dynamic-ntk") Assert.True(f.Lambda[^1] <= s * (1 + 1e-12), name); // dynamic overshoots by design
        }
    }

    [Fact]
    public void Scale_one_is_the_identity_for_every_method()
    {
        var g = new RopeGeometry(128, 10000, 4096);
        foreach (var m in Enum.GetValues<BaselineMethod>())
        {
            var f = Baselines.Create(m, g, 1);
            Assert.All(f.Lambda, l => Assert.Equal(1.0, l, 14));
            Assert.Equal(1.0, f.AttentionFactor);
        }
    }

    [Fact]
    public void All_lists_the_five_methods_in_order()
    {
        var names = Baselines.All(new RopeGeometry(64, 10000, 256), 4).Select(x => x.Name);
        Assert.Equal(new[] { "pi", "ntk", "yarn", "llama3", "dynamic-ntk" }, names);
    }

    [Fact]
    public void None_is_the_identity()
    {
        Assert.True(Baselines.Create(BaselineMethod.None, new RopeGeometry(64, 10000, 256), 8).IsIdentity);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-2.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Bad_scale_is_rejected(double s)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Baselines.Create(BaselineMethod.Pi, new RopeGeometry(64, 10000, 256), s));
    }

    [Fact]
    public void Geometry_rejects_impossible_values()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new RopeGeometry(63, 10000, 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RopeGeometry(2, 10000, 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RopeGeometry(64, 1, 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RopeGeometry(64, 10000, 0));
        var g = new RopeGeometry(64, 10000, 256);
        Assert.Equal(32, g.Pairs);
        Assert.Equal(new RopeGeometry(64, 10000, 256), g);
    }
}
