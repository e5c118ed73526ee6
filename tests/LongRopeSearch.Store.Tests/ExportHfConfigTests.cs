using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.Exports;
using Xunit;

namespace LongRopeSearch.Store.Tests;

public class ExportHfConfigTests
{
    private const int L0 = 4096;

    private static JsonObject ModelConfig() => new()
    {
        ["model_type"] = "llama",
        ["hidden_size"] = 256,
        ["num_attention_heads"] = 4,
        ["head_dim"] = 8,
        ["rope_theta"] = 10000.0,
        ["max_position_embeddings"] = L0,
        ["rope_scaling"] = null,
    };

    private static FactorSet Long(double af) => new([1.0, 1.5, 3.0, 8.0], 0, af);

    /// <summary>√(1 + ln s / ln L0), written out here rather than taken from the code under test.</summary>
    private static double StackDefault(double s) => Math.Sqrt(1 + Math.Log(s) / Math.Log(L0));

    private static StackFactors Factors(FactorSet longSet, FactorSet? shortSet, int target, int? shortLength = null) => new()
    {
        Long = longSet,
        Short = shortSet,
        OriginalLength = L0,
        TargetLength = target,
        ShortLength = shortSet is null ? null : shortLength ?? L0,
        Source = "job",
    };

    private static HfExport Build(JsonObject config, StackFactors factors, bool allowNHat = false) =>
        HfConfigExport.Build(config, factors, 10000.0, allowNHat);

    [Fact]
    public void Writes_rope_scaling_rope_parameters_and_both_context_fields()
    {
        var shortSet = new FactorSet([1.0, 1.0, 1.1, 1.2], 0, StackDefault(8));
        var export = Build(ModelConfig(), Factors(Long(StackDefault(8)), shortSet, 8 * L0));
        var c = export.Config;
        foreach (var key in new[] { "rope_scaling", "rope_parameters" })
        {
            var rope = c[key]!.AsObject();
            Assert.Equal("longrope", (string)rope["type"]!);
            Assert.Equal("longrope", (string)rope["rope_type"]!);
            Assert.Equal([1.0, 1.5, 3.0, 8.0], rope["long_factor"]!.AsArray().Select(x => (double)x!).ToArray());
            Assert.Equal([1.0, 1.0, 1.1, 1.2], rope["short_factor"]!.AsArray().Select(x => (double)x!).ToArray());
            Assert.Equal(L0, (int)rope["original_max_position_embeddings"]!);
            // transformers 5 takes the base from inside the section.
            Assert.Equal(10000.0, (double)rope["rope_theta"]!);
            // The attention factor is always explicit, for every reader; no "factor" key competes with L / switch.
            Assert.Equal(StackDefault(8), (double)rope["attention_factor"]!);
            Assert.Equal(StackDefault(8), (double)rope["long_mscale"]!);
            Assert.Equal(StackDefault(8), (double)rope["short_mscale"]!);
            Assert.False(rope.ContainsKey("factor"));
        }
        Assert.Equal(L0, (int)c["original_max_position_embeddings"]!);
        Assert.Equal(8 * L0, (int)c["max_position_embeddings"]!);
        Assert.Equal(10000.0, (double)c["rope_theta"]!);
        Assert.Empty(export.Warnings);
        Assert.Empty(export.Notes);
        Assert.Equal("llama", (string)c["model_type"]!);
    }

    [Fact]
    public void The_switch_point_is_the_short_search_length()
    {
        // Short factors searched at 2·L0: the stacks must use them up to 2·L0, where they were scored.
        var shortSet = new FactorSet([1.0, 1.0, 1.1, 1.2], 0, 1.3);
        var export = Build(ModelConfig(), Factors(Long(1.3), shortSet, 8 * L0, shortLength: 2 * L0));
        var c = export.Config;
        Assert.Equal(2 * L0, (int)c["original_max_position_embeddings"]!);
        Assert.Equal(2 * L0, (int)c["rope_scaling"]!["original_max_position_embeddings"]!);
        Assert.Equal(2 * L0, (int)c["rope_parameters"]!["original_max_position_embeddings"]!);
        // The stacks' default would now be √(1 + ln 4 / ln 8192): the searched factor is written instead.
        Assert.Equal(1.3, (double)c["rope_scaling"]!["attention_factor"]!);
        Assert.Contains(export.Notes, n => n.Contains("8192", StringComparison.Ordinal) && n.Contains("4096", StringComparison.Ordinal));

        // A target not above the switch point cannot be expressed.
        var e = Assert.Throws<InputException>(() => Build(ModelConfig(), Factors(Long(1.3), shortSet, 2 * L0, shortLength: 2 * L0)));
        Assert.Contains("8192", e.Message, StringComparison.Ordinal);
        Assert.Contains("short factors were searched at", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Does_not_modify_the_input_config()
    {
        var input = ModelConfig();
        Build(input, Factors(Long(StackDefault(2)), null, 2 * L0));
        Assert.Equal(L0, (int)input["max_position_embeddings"]!);
        Assert.Null(input["rope_scaling"]);
        Assert.False(input.ContainsKey("rope_parameters"));
    }

    [Fact]
    public void Missing_short_factors_become_ones_with_a_warning_that_names_the_attention_factor()
    {
        var export = Build(ModelConfig(), Factors(Long(1.25), null, 4 * L0));
        Assert.All(export.Config["rope_scaling"]!["short_factor"]!.AsArray(), x => Assert.Equal(1.0, (double)x!));
        var w = Assert.Single(export.Warnings);
        Assert.Contains("short_factor is all ones", w, StringComparison.Ordinal);
        // Not "the unmodified model": the stacks still multiply cos/sin by the attention factor there.
        Assert.DoesNotContain("unmodified", w, StringComparison.Ordinal);
        Assert.Contains("1.25", w, StringComparison.Ordinal);
        Assert.Contains("attention factor", w, StringComparison.Ordinal);
    }

    [Fact]
    public void NHat_is_refused_unless_allowed_then_dropped_with_a_warning()
    {
        var withNHat = new FactorSet([1.0, 1.5, 3.0, 8.0], 16, StackDefault(8));
        var e = Assert.Throws<InputException>(() => Build(ModelConfig(), Factors(withNHat, null, 8 * L0)));
        Assert.Contains("--allow-nhat", e.Message, StringComparison.Ordinal);
        Assert.Contains("deployable", e.Message, StringComparison.Ordinal);
        Assert.Contains("16", e.Message, StringComparison.Ordinal);

        var shortWithNHat = new FactorSet([1.0, 1.0, 1.0, 1.0], 4, StackDefault(8));
        Assert.Throws<InputException>(() => Build(ModelConfig(), Factors(Long(StackDefault(8)), shortWithNHat, 8 * L0)));

        var export = Build(ModelConfig(), Factors(withNHat, null, 8 * L0), allowNHat: true);
        Assert.Contains(export.Warnings, w => w.Contains("n̂ = 16", StringComparison.Ordinal) && w.Contains("dropped", StringComparison.Ordinal));
        Assert.False(export.Config["rope_scaling"]!.AsObject().ContainsKey("n_hat"));
    }

    [Fact]
    public void A_target_not_beyond_L0_is_refused()
    {
        var e = Assert.Throws<InputException>(() => Build(ModelConfig(), Factors(Long(1.0), null, L0)));
        Assert.Contains("4096", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Different_short_attention_factor_is_reported()
    {
        var shortSet = new FactorSet([1.0, 1.0, 1.0, 1.0], 0, 1.0);
        var export = Build(ModelConfig(), Factors(Long(StackDefault(8)), shortSet, 8 * L0));
        Assert.Contains(export.Warnings, w => w.Contains("one attention factor", StringComparison.Ordinal));
    }

    [Fact]
    public void A_transformers_5_config_keeps_its_rope_theta_and_partial_rotary_factor()
    {
        var config = ModelConfig();
        config.Remove("rope_theta");
        config["rope_parameters"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 500000.0, ["partial_rotary_factor"] = 1.0 };
        var export = HfConfigExport.Build(config, Factors(Long(StackDefault(8)), null, 8 * L0), 500000.0, allowNHat: false);
        var rp = export.Config["rope_parameters"]!.AsObject();
        Assert.Equal("longrope", (string)rp["rope_type"]!);
        Assert.Equal(500000.0, (double)rp["rope_theta"]!);
        Assert.Equal(1.0, (double)rp["partial_rotary_factor"]!);
        Assert.Equal(L0, (int)rp["original_max_position_embeddings"]!);
        Assert.Equal(4, rp["long_factor"]!.AsArray().Count);
        Assert.Equal(500000.0, (double)export.Config["rope_theta"]!);
        Assert.Equal(500000.0, (double)export.Config["rope_scaling"]!["rope_theta"]!);
    }

    [Fact]
    public void Replacing_a_pretrained_scaling_is_reported()
    {
        var config = ModelConfig();
        config["rope_scaling"] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0 };
        var export = Build(config, Factors(Long(StackDefault(8)), null, 8 * L0));
        Assert.Contains(export.Warnings, w => w.Contains("llama3", StringComparison.Ordinal));
        Assert.False(export.Config["rope_scaling"]!.AsObject().ContainsKey("factor"));
    }

    [Fact]
    public void Provenance_is_recorded_under_its_own_key()
    {
        var provenance = new JsonObject { ["status"] = "best so far, generation 3 of 40, not final" };
        var export = HfConfigExport.Build(ModelConfig(), Factors(Long(1.2), null, 8 * L0), 10000.0, false, provenance);
        Assert.Equal("best so far, generation 3 of 40, not final", (string)export.Config[HfConfigExport.ProvenanceKey]!["status"]!);
    }

    [Fact]
    public void Unreadable_model_config_names_the_file()
    {
        using var dir = new TestSupport.TempDir();
        var missing = dir.File("config.json");
        var e = Assert.Throws<InputException>(() => HfConfigExport.LoadModelConfig(missing));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        File.WriteAllText(missing, "{ not json");
        e = Assert.Throws<InputException>(() => HfConfigExport.LoadModelConfig(missing));
        Assert.Contains("valid JSON", e.Message, StringComparison.Ordinal);
    }
}
