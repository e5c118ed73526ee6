using System.Globalization;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

/// <summary>
/// A model's own RoPE scaling, from config.json to factor sets: every case of tests/fixtures/rope/published.json
/// (tools/make_fixtures.py, transformers v5's formulas re-derived in tools/torch_llama.py) read by the config reader and
/// evaluated at its lengths; and the refusals of what transformers cannot run.
/// </summary>
public sealed class PublishedScalingTests : IDisposable
{
    private readonly ConfigJsonFile _file = new();
    private JsonObject Config => _file.Config;
    private string ConfigPath => _file.Path;

    public void Dispose() => _file.Dispose();

    private static JsonArray FixtureCases() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(RepoPaths.Fixtures, "rope", "published.json")))!["cases"]!.AsArray();

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var c in FixtureCases()) data.Add(c!["name"]!.GetValue<string>());
        return data;
    }

    /// <summary>GUARD: fails on purpose when the fixture is missing or empty, so the theory below cannot pass vacuously.</summary>
    [Fact]
    public void The_fixture_has_every_rope_type()
    {
        var types = FixtureCases().Select(c => c!["rope_type"]!.GetValue<string>()).ToHashSet();
        Assert.Superset(new HashSet<string> { "linear", "dynamic", "yarn", "llama3", "longrope" }, types);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Factors_at_each_length_are_transformers_inverse_frequencies(string name)
    {
        var fx = FixtureCases().Single(c => c!["name"]!.GetValue<string>() == name)!;
        File.WriteAllText(ConfigPath, fx["config"]!.ToJsonString());
        var config = ModelConfig.Load(ConfigPath);
        var scaling = config.RopeScaling ?? throw new InvalidOperationException($"{name}: no scaling read");
        Assert.Equal(fx["rope_type"]!.GetValue<string>(), scaling.Type);
        Assert.Equal(fx["rotary_dim"]!.GetValue<int>(), config.RotaryDim);
        Assert.Equal(fx["rope_theta"]!.GetValue<double>(), config.RopeTheta);
        if (fx["original_length"] is JsonValue l0)
        {
            Assert.Equal(l0.GetValue<int>(), scaling.OriginalLength);
            Assert.Equal(l0.GetValue<int>(), config.OriginalMaxPositionEmbeddings);
        }
        foreach (var e in fx["expected"]!.AsArray())
        {
            int length = e!["length"]!.GetValue<int>();
            var expected = e["lambda"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
            var actual = scaling.FactorsAt(length);
            Assert.Equal(expected.Length, actual.Pairs);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(actual.Lambda[i] - expected[i]) <= 1e-12 * expected[i],
                    string.Create(CultureInfo.InvariantCulture, $"{name} L={length} λ[{i}]: {actual.Lambda[i]:R} vs {expected[i]:R}"));
            Assert.Equal(e["attention_factor"]!.GetValue<double>(), actual.AttentionFactor, 13);
            Assert.Equal(0, actual.NHat);
        }
    }

    [Fact]
    public void Longrope_switches_to_the_long_factors_one_past_the_original_length()
    {
        Config["model_type"] = "phi3";
        Config["original_max_position_embeddings"] = 32;
        Config["rope_scaling"] = new JsonObject { ["type"] = "longrope", ["short_factor"] = new JsonArray(1.0, 1.5), ["long_factor"] = new JsonArray(2.0, 8.0) };
        var s = Load().RopeScaling!;
        Assert.True(s.DependsOnLength);
        Assert.Equal([1.0, 1.5], s.FactorsAt(32).Lambda);
        Assert.Equal([2.0, 8.0], s.FactorsAt(33).Lambda);
        // No factor: max_position_embeddings / L0 = 2 gives √(1 + ln 2 / ln 32), on both sides.
        Assert.Equal(Math.Sqrt(1 + Math.Log(2) / Math.Log(32)), s.FactorsAt(32).AttentionFactor, 15);
        Assert.Equal(s.FactorsAt(32).AttentionFactor, s.FactorsAt(33).AttentionFactor);
    }

    [Theory]
    [InlineData("linear", "factor")]
    [InlineData("dynamic", "factor")]
    [InlineData("yarn", "factor")]
    [InlineData("llama3", "low_freq_factor")]
    public void A_required_parameter_is_named_when_missing(string type, string field)
    {
        Config["rope_scaling"] = new JsonObject { ["rope_type"] = type };
        if (type == "llama3") Config["rope_scaling"]!["factor"] = 8.0;
        Refused($"rope_scaling.{field}", "missing");
    }

    [Fact]
    public void Llama3_needs_high_freq_factor_above_low_freq_factor()
    {
        Config["rope_scaling"] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 4.0, ["high_freq_factor"] = 1.0 };
        Refused("rope_scaling.high_freq_factor", "greater than low_freq_factor = 4", "1");
    }

    [Fact]
    public void Longrope_factor_lists_need_one_positive_number_per_rotary_pair()
    {
        Config["rope_scaling"] = new JsonObject { ["rope_type"] = "longrope", ["short_factor"] = new JsonArray(1.0, 1.0), ["long_factor"] = new JsonArray(1.0) };
        Refused("rope_scaling.long_factor", "an array of 2 positive numbers", "1 values");
        Config["rope_scaling"]!["long_factor"] = new JsonArray(1.0, -2.0);
        Refused("rope_scaling.long_factor[1]", "a positive finite number", "-2");
        Config["rope_scaling"]!.AsObject().Remove("short_factor");
        Refused("rope_scaling.short_factor", "missing");
    }

    [Theory]
    [InlineData("linear")]
    [InlineData("dynamic")]
    [InlineData("llama3")]
    public void Phi3_accepts_only_longrope_as_phi3config_does(string type)
    {
        Config["model_type"] = "phi3";
        Config["rope_scaling"] = new JsonObject { ["rope_type"] = type, ["factor"] = 2.0 };
        Refused("rope_scaling.rope_type", "one of longrope", "model_type phi3", $"\"{type}\"");
    }

    [Fact]
    public void Phi3_renames_legacy_su_and_yarn_to_longrope_and_defaults_the_original_length_to_4096()
    {
        Config["model_type"] = "phi3";
        Config["max_position_embeddings"] = 8192;
        Config["rope_scaling"] = new JsonObject
        {
            ["type"] = "yarn", ["original_max_position_embeddings"] = 16, // Phi3Config's attribute (4096) wins over this
            ["short_factor"] = new JsonArray(1.0, 1.0), ["long_factor"] = new JsonArray(2.0, 3.0),
        };
        var c = Load();
        Assert.Equal(("longrope", 4096), (c.RopeScaling!.Type, c.RopeScaling.OriginalLength));
        Assert.Equal(4096, c.OriginalMaxPositionEmbeddings);
    }

    [Fact]
    public void Plain_rope_has_no_scaling_and_default_is_not_one()
    {
        Config["rope_scaling"] = new JsonObject { ["rope_type"] = "default" };
        Assert.Null(Load().RopeScaling);
        Config["rope_scaling"] = new JsonObject(); // empty: transformers falls back to rope_parameters
        Config["rope_parameters"] = new JsonObject { ["rope_type"] = "linear", ["factor"] = 2.0 };
        Assert.Equal("rope_parameters", Load().RopeScaling!.Field);
    }

    [Fact]
    public void A_rope_theta_inside_the_rope_parameters_wins_as_in_transformers_v5()
    {
        Config["rope_theta"] = 10000.0;
        Config["rope_parameters"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 500000.0 };
        Assert.Equal(500000.0, Load().RopeTheta);
    }

    private ModelConfig Load() => _file.Load();

    private void Refused(params string[] mentions) => _file.Refused(mentions);
}
