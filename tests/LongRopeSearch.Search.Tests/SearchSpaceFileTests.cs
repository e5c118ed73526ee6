using LongRopeSearch.Core;
using LongRopeSearch.Search;
using LongRopeSearch.TestSupport;
using Xunit;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Search.Tests;

public class SearchSpaceFileTests
{
    private static SearchSpace Parse(string json, int pairs = 32, int l0 = 256) => SearchSpaceFile.Parse(json, "space.json", pairs, l0);

    private static InputException Fails(string json, int pairs = 32, int l0 = 256) =>
        Assert.Throws<InputException>(() => Parse(json, pairs, l0));

    [Fact]
    public void An_empty_object_gives_longrope_defaults()
    {
        var s = Parse("{}");
        Assert.Equal(64, s.Evolution.Population);
        Assert.Equal(40, s.Evolution.Generations);
        Assert.Equal(32, s.Evolution.Parents);
        Assert.Equal(16, s.Evolution.Mutations);
        Assert.Equal(16, s.Evolution.Crossovers);
        Assert.Equal(0.3, s.Evolution.MutationProbability);
        Assert.Equal(0.01m, s.Step);
        Assert.True(s.Monotone);
        Assert.Equal(1.25m, s.Lambda.MaxScaleMultiplier);
        Assert.Equal([0, 1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 64, 128, 256], s.NHatChoices);
        Assert.Equal(AttentionFactorPolicy.LongRopeDefault, s.AttentionFactor.Policy);
        Assert.True(s.Evolution.EarlyAbandon.Enabled);
    }

    [Fact]
    public void Lengths_accept_tokens_and_multiples_of_L0()
    {
        var s = Parse("""{"targets": ["8x", 4096], "short": {"length": "1.5x"}}""");
        Assert.Equal([2048, 4096], s.Targets);
        Assert.Equal(384, s.ShortLength);
    }

    [Fact]
    public void Threshold_rank_is_read_and_absent_means_the_worst_parent()
    {
        Assert.Equal(16, Parse("""{"parents": 32, "early_abandon": {"threshold_rank": 16}}""", pairs: 8).Evolution.EarlyAbandon.ThresholdRank);
        Assert.Null(Parse("""{"parents": 32, "early_abandon": {"margin": 0.01}}""", pairs: 8).Evolution.EarlyAbandon.ThresholdRank);
    }

    [Fact]
    public void Explicit_bounds_and_per_pair_arrays_are_read_exactly()
    {
        var s = Parse("""{"lambda": {"min": 1.0, "max": [2,2,2,2,3,3,3,3]}, "step": 0.05}""", pairs: 8);
        Assert.Equal(0.05m, s.Step);
        Assert.Equal([2m, 2m, 2m, 2m, 3m, 3m, 3m, 3m], s.Lambda.MaxPerPair);
        var ts = TargetSpace.Create(s, FactorKind.Long, 1024, null, 1.0);
        Assert.Equal([20, 20, 20, 20, 40, 40, 40, 40], ts.HighIndex);
    }

    [Theory]
    [InlineData("""{"parents": 65}""", "parents")]
    [InlineData("""{"mutations": 0, "crossovers": 0}""", "mutations")]
    [InlineData("""{"mutation_probability": 1.5}""", "mutation_probability")]
    [InlineData("""{"step": 0}""", "step")]
    [InlineData("""{"lambda": {"min": 3, "max": 2}, "targets": ["8x"]}""", "lambda")]
    [InlineData("""{"lambda": {"min": -1}}""", "lambda.min")]
    [InlineData("""{"lambda": {"max": 20, "max_scale_multiplier": 1.25}}""", "lambda.max")]
    [InlineData("""{"populaton": 64}""", "populaton")]
    [InlineData("""{"early_abandon": {"margin": -0.1}}""", "early_abandon.margin")]
    [InlineData("""{"early_abandon": {"enabled": true, "margn": 0.1}}""", "early_abandon.margn")]
    [InlineData("""{"parents": 32, "early_abandon": {"threshold_rank": 0}}""", "early_abandon.threshold_rank")]
    [InlineData("""{"parents": 32, "early_abandon": {"threshold_rank": 33}}""", "early_abandon.threshold_rank")]
    [InlineData("""{"targets": [128]}""", "targets[0]")]
    [InlineData("""{"targets": ["16x", "8x"]}""", "targets[1]")]
    [InlineData("""{"targets": ["eight"]}""", "targets[0]")]
    [InlineData("""{"short": {"length": "0.3x"}}""", "short.length")]
    [InlineData("""{"targets": ["8x"], "short": {"length": "8x"}}""", "short.length")]
    [InlineData("""{"n_hat_choices": [0, 4, 4]}""", "n_hat_choices[2]")]
    [InlineData("""{"critical_dimension": 40}""", "critical_dimension")]
    [InlineData("""{"critical_dimension": {"rule": "ntk-below"}, "lambda": {"min": 0.5}}""", "lambda.min")]
    [InlineData("""{"critical_dimension": {"rule": "ntk"}}""", "critical_dimension.rule")]
    [InlineData("""{"critical_dimension": {"pair": "first"}}""", "critical_dimension.pair")]
    [InlineData("""{"critical_dimension": {"pair": 0}}""", "critical_dimension")]
    [InlineData("""{"critical_dimension": {"rule": "longrope2", "pare": 3}}""", "critical_dimension.pare")]
    [InlineData("""{"critical_dimension": "yes"}""", "critical_dimension")]
    [InlineData("""{"critical_dimension": 3, "lambda": {"max": 5}, "targets": ["8x"]}""", "lambda")]
    [InlineData("""{"attention_factor": {"policy": "search", "max": 1.4}}""", "attention_factor.min")]
    [InlineData("""{"attention_factor": {"policy": "search", "min": 1.0}}""", "attention_factor.max")]
    [InlineData("""{"attention_factor": {"policy": "search", "min": 1.5, "max": 1.4}}""", "attention_factor.max")]
    [InlineData("""{"attention_factor": {"policy": "search", "min": 0, "max": 1.4}}""", "attention_factor.min")]
    [InlineData("""{"attention_factor": {"policy": "search", "min": 1.0, "max": 1.4, "step": 0}}""", "attention_factor.step")]
    [InlineData("""{"attention_factor": {"policy": "search", "min": 1.0, "max": 1.4, "value": 1.2}}""", "attention_factor.value")]
    [InlineData("""{"attention_factor": {"policy": "fixed", "value": 1.2, "min": 1.0}}""", "attention_factor.min")]
    [InlineData("""{"attention_factor": {"policy": "longrope-default", "step": 0.01}}""", "attention_factor.step")]
    [InlineData("""{"generations": -1}""", "generations")]
    [InlineData("""{"attention_factor": {"policy": "yarn"}}""", "attention_factor.policy")]
    [InlineData("""{"attention_factor": {"policy": "fixed"}}""", "attention_factor.value")]
    [InlineData("""{"population": 64.5}""", "population")]
    [InlineData("""{"seed": -1}""", "seed")]
    public void Bad_settings_name_the_file_and_field(string json, string field)
    {
        var ex = Fails(json);
        Assert.Equal("space.json", ex.Origin);
        Assert.Equal(field, ex.Field);
        Assert.StartsWith("space.json: " + field, ex.Message);
    }

    [Fact]
    public void A_longrope2_bound_the_space_cannot_meet_says_so()
    {
        var ex = Fails("""{"critical_dimension": 3, "lambda": {"max": 5}, "targets": ["8x"]}""");
        Assert.Contains("pair 3", ex.Message);
        Assert.Contains("critical_dimension", ex.Message);
    }

    [Theory]
    [InlineData("false", CriticalDimensionMode.Off, null, CriticalDimensionRule.LongRope2)]
    [InlineData("true", CriticalDimensionMode.FromModel, null, CriticalDimensionRule.LongRope2)]
    [InlineData("5", CriticalDimensionMode.Explicit, 5, CriticalDimensionRule.LongRope2)]
    [InlineData("""{"rule": "ntk-below"}""", CriticalDimensionMode.FromModel, null, CriticalDimensionRule.NtkBelow)]
    [InlineData("""{"rule": "ntk-below", "pair": 7}""", CriticalDimensionMode.Explicit, 7, CriticalDimensionRule.NtkBelow)]
    [InlineData("""{"rule": "longrope2", "pair": "model"}""", CriticalDimensionMode.FromModel, null, CriticalDimensionRule.LongRope2)]
    [InlineData("""{"pair": 9}""", CriticalDimensionMode.Explicit, 9, CriticalDimensionRule.LongRope2)]
    public void Critical_dimension_forms(string value, CriticalDimensionMode mode, int? pair, CriticalDimensionRule rule)
    {
        var s = Parse($$"""{"critical_dimension": {{value}}}""");
        Assert.Equal(new CriticalDimensionSetting(mode, pair, rule), s.CriticalDimension);
    }

    [Fact]
    public void A_searched_attention_factor_reads_its_grid_exactly()
    {
        var s = Parse("""{"attention_factor": {"policy": "search", "min": 1.0, "max": 1.4, "step": 0.01}, "targets": ["8x"], "short": {"length": "2x"}}""");
        Assert.Equal(AttentionFactorPolicy.Search, s.AttentionFactor.Policy);
        Assert.Equal(new AttentionFactorGrid(1.0m, 1.4m, 0.01m), s.AttentionFactor.Grid);
        Assert.Equal(41, s.AttentionFactor.Grid!.Count);
        Assert.Equal(0.01m, Parse("""{"attention_factor": {"policy": "search", "min": 1, "max": 2}}""").AttentionFactor.Grid!.Step);
        // The long targets search it; the short stage never does (one factor is deployed for short and long).
        Assert.NotNull(TargetSpace.Create(s, FactorKind.Long, 2048, null, 1.2).AttentionGrid);
        Assert.Null(TargetSpace.Create(s, FactorKind.Short, 512, null, 1.2).AttentionGrid);
        // The value seeded beside each seed's own factor is LongRoPE's default.
        Assert.Equal(Math.Sqrt(1 + Math.Log(8) / Math.Log(256)), s.AttentionFactor.For(2048, 256), 15);
    }

    [Fact]
    public void Per_pair_arrays_must_match_the_model()
    {
        var ex = Fails("""{"lambda": {"max": [2,2,2,2,2,2,2,2,2,2,2,2,2,2,2,2]}}""", pairs: 32);
        Assert.Contains("the search space has 16 pairs, the model has 32", ex.Message);
        Assert.Equal("lambda.max", ex.Field);
    }

    [Fact]
    public void Monotone_bounds_must_not_decrease()
    {
        var ex = Fails("""{"lambda": {"max": [3,3,2,3]}}""", pairs: 4);
        Assert.Equal("lambda.max[2]", ex.Field);
    }

    [Fact]
    public void Malformed_json_reports_the_line()
    {
        var ex = Fails("{\n  \"population\": 64,\n  oops\n}");
        Assert.Contains("line 3", ex.Message);
    }

    [Fact]
    public void A_missing_file_is_an_input_error()
    {
        using var dir = new TempDir();
        var ex = Assert.Throws<InputException>(() => SearchSpaceFile.Load(dir.File("nope.json"), 32, 256));
        Assert.Equal(dir.File("nope.json"), ex.Origin);
    }

    [Fact]
    public void The_tiny_checkpoint_space_loads_with_its_settings()
    {
        var s = SearchSpaceFile.Load(RepoPaths.Combine("search-spaces", "tiny-brown.json"), 32, 256);
        Assert.Equal([2048, 4096], s.Targets);
        Assert.Equal(512, s.ShortLength);
        Assert.Equal((64, 40, 32, 16, 16, 4), (s.Evolution.Population, s.Evolution.Generations, s.Evolution.Parents, s.Evolution.Mutations, s.Evolution.Crossovers, s.Evolution.Samples));
        Assert.Equal(1UL, s.Seed);
        var ts = TargetSpace.Create(s, FactorKind.Long, 4096, null, 1.0);
        Assert.Equal(20.0, ts.GridValue(ts.HighIndex[^1]));   // 1.25 · 16
    }

    [Fact]
    public void The_tiny_checkpoint_space_variant_searching_the_attention_factor_differs_only_there()
    {
        var plain = SearchSpaceFile.Load(RepoPaths.Combine("search-spaces", "tiny-brown.json"), 32, 256);
        var af = SearchSpaceFile.Load(RepoPaths.Combine("search-spaces", "tiny-brown-af.json"), 32, 256);
        Assert.Equal(AttentionFactorPolicy.Search, af.AttentionFactor.Policy);
        Assert.Equal(new AttentionFactorGrid(1.0m, 1.4m, 0.01m), af.AttentionFactor.Grid);
        static string Json(SearchSpace x) => System.Text.Json.JsonSerializer.Serialize(x with { Source = "" });
        Assert.Equal(Json(plain with { AttentionFactor = af.AttentionFactor }), Json(af));
    }

    [Theory]
    [InlineData("llama2-7b-128k.json", new[] { 131072 }, 64, 5, null)]
    [InlineData("llama2-7b-256k.json", new[] { 131072, 262144 }, 64, 5, null)]
    [InlineData("llama2-7b-2048k.json", new[] { 262144, 2097152 }, 32, 3, 8192)]
    public void The_llama2_spaces_load(string file, int[] targets, int population, int samples, int? shortLength)
    {
        var s = SearchSpaceFile.Load(RepoPaths.Combine("search-spaces", file), 64, 4096);
        Assert.Equal(targets, s.Targets);
        Assert.Equal(population, s.Evolution.Population);
        Assert.Equal(samples, s.Evolution.Samples);
        Assert.Equal(shortLength, s.ShortLength);
        var last = TargetSpace.Create(s, FactorKind.Long, targets[^1], null, 1.0);
        Assert.Equal(1.25 * targets[^1] / 4096, last.GridValue(last.HighIndex[^1]));
    }
}
