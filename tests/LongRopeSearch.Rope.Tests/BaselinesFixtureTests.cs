using System.Text.Json;
using LongRopeSearch.Rope;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Rope.Tests;

/// <summary>
/// Checks the baselines against tests/fixtures/rope/baselines.json, written by tools/make_fixtures.py (Python, float64,
/// formulas re-derived from transformers' modeling_rope_utils.py by another author).
/// </summary>
public class BaselinesFixtureTests
{
    private const double Tolerance = 1e-9; // relative

    private static readonly Lazy<JsonDocument> Fixture = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "rope", "baselines.json"))));

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Fixture.Value.RootElement.GetProperty("cases").GetArrayLength(); i++) data.Add(i);
        return data;
    }

    public static TheoryData<int> CriticalIndices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Fixture.Value.RootElement.GetProperty("critical_dimension").GetArrayLength(); i++) data.Add(i);
        return data;
    }

    private static RopeGeometry Geometry(JsonElement c) => new(
        c.GetProperty("head_dim").GetInt32(),
        c.GetProperty("rope_theta").GetDouble(),
        c.GetProperty("original_max_position_embeddings").GetInt32());

    private static double[] Vector(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    private static void AssertClose(string what, double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= Tolerance * Math.Abs(expected), $"{what}: fixture {expected:R}, ours {actual:R}");

    private static void AssertLambda(string what, JsonElement method, FactorSet ours)
    {
        var expected = Vector(method.GetProperty("lambda"));
        Assert.Equal(expected.Length, ours.Pairs);
        for (int i = 0; i < expected.Length; i++) AssertClose($"{what} λ[{i}]", expected[i], ours.Lambda[i]);
    }

    [Theory, MemberData(nameof(CaseIndices))]
    public void Every_method_matches_the_python_fixture(int index)
    {
        var c = Fixture.Value.RootElement.GetProperty("cases")[index];
        var g = Geometry(c);
        var s = c.GetProperty("factor").GetDouble();
        var label = $"case {index} (d {g.HeadDim}, b {g.RopeTheta}, L0 {g.OriginalLength}, s {s})";

        var theta = Vector(c.GetProperty("inv_freq"));
        var ours = g.InverseFrequencies();
        for (int i = 0; i < theta.Length; i++) AssertClose($"{label} θ[{i}]", theta[i], ours[i]);

        AssertLambda($"{label} pi", c.GetProperty("linear"), Baselines.Create(BaselineMethod.Pi, g, s));
        AssertLambda($"{label} ntk", c.GetProperty("ntk"), Baselines.Create(BaselineMethod.Ntk, g, s));

        var dynamic = c.GetProperty("dynamic_ntk");
        Assert.Equal(s * g.OriginalLength, dynamic.GetProperty("seq_len").GetDouble()); // our default: seq_len = target
        AssertLambda($"{label} dynamic-ntk", dynamic, Baselines.Create(BaselineMethod.DynamicNtk, g, s));

        var yarn = c.GetProperty("yarn");
        Assert.Equal(Baselines.YarnBetaFast, yarn.GetProperty("beta_fast").GetDouble());
        Assert.Equal(Baselines.YarnBetaSlow, yarn.GetProperty("beta_slow").GetDouble());
        var (low, high) = Baselines.YarnCorrectionRange(g);
        Assert.Equal(yarn.GetProperty("low").GetDouble(), low);
        Assert.Equal(yarn.GetProperty("high").GetDouble(), high);
        var yarnOurs = Baselines.Create(BaselineMethod.Yarn, g, s);
        AssertLambda($"{label} yarn", yarn, yarnOurs);
        AssertClose($"{label} yarn attention factor", yarn.GetProperty("attention_factor").GetDouble(), yarnOurs.AttentionFactor);

        var llama = c.GetProperty("llama3");
        Assert.Equal(Baselines.Llama3LowFreqFactor, llama.GetProperty("low_freq_factor").GetDouble());
        Assert.Equal(Baselines.Llama3HighFreqFactor, llama.GetProperty("high_freq_factor").GetDouble());
        Assert.Equal(g.OriginalLength, llama.GetProperty("original_max_position_embeddings").GetInt32());
        AssertLambda($"{label} llama3", llama, Baselines.Create(BaselineMethod.Llama3, g, s));
    }

    [Theory, MemberData(nameof(CriticalIndices))]
    public void Critical_dimension_matches_the_python_fixture(int index)
    {
        var c = Fixture.Value.RootElement.GetProperty("critical_dimension")[index];
        var g = Geometry(c);
        var ours = CriticalDimension.Compute(g);
        Assert.Equal(c.GetProperty("d_extra").GetInt32(), ours.DExtra);
        var pair = c.GetProperty("first_pair_period_exceeds_L0");
        Assert.Equal(pair.ValueKind == JsonValueKind.Null ? g.Pairs : pair.GetInt32(), ours.Pair);
    }
}
