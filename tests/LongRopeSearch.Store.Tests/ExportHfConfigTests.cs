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

    [Fact]
    public void Writes_rope_scaling_and_both_context_fields()
    {
        var shortSet = new FactorSet([1.0, 1.0, 1.1, 1.2], 0, StackDefault(8));
        var export = HfConfigExport.Build(ModelConfig(), "job", Long(StackDefault(8)), shortSet, L0, 8 * L0, allowNHat: false);
        var c = export.Config;
        var rope = c["rope_scaling"]!.AsObject();
        Assert.Equal("longrope", (string)rope["type"]!);
        Assert.Equal("longrope", (string)rope["rope_type"]!);
        Assert.Equal([1.0, 1.5, 3.0, 8.0], rope["long_factor"]!.AsArray().Select(x => (double)x!).ToArray());
        Assert.Equal([1.0, 1.0, 1.1, 1.2], rope["short_factor"]!.AsArray().Select(x => (double)x!).ToArray());
        Assert.Equal(L0, (int)rope["original_max_position_embeddings"]!);
        Assert.Equal(L0, (int)c["original_max_position_embeddings"]!);
        Assert.Equal(8 * L0, (int)c["max_position_embeddings"]!);
        // The default attention factor is left for the stacks to compute, and no "factor" key competes with L / L0.
        Assert.False(rope.ContainsKey("attention_factor"));
        Assert.False(rope.ContainsKey("factor"));
        Assert.Empty(export.Warnings);
        // Untouched fields survive.
        Assert.Equal(10000.0, (double)c["rope_theta"]!);
    }

    [Fact]
    public void Does_not_modify_the_input_config()
    {
        var input = ModelConfig();
        HfConfigExport.Build(input, "job", Long(StackDefault(2)), null, L0, 2 * L0, allowNHat: false);
        Assert.Equal(L0, (int)input["max_position_embeddings"]!);
        Assert.Null(input["rope_scaling"]);
    }

    [Fact]
    public void Non_default_attention_factor_is_written_for_every_reader()
    {
        var export = HfConfigExport.Build(ModelConfig(), "job", Long(1.25), null, L0, 8 * L0, allowNHat: false);
        var rope = export.Config["rope_scaling"]!.AsObject();
        Assert.Equal(1.25, (double)rope["attention_factor"]!);
        Assert.Equal(1.25, (double)rope["long_mscale"]!);
        Assert.Equal(1.25, (double)rope["short_mscale"]!);
    }

    [Fact]
    public void Missing_short_factors_become_ones_with_a_warning()
    {
        var export = HfConfigExport.Build(ModelConfig(), "job", Long(StackDefault(4)), null, L0, 4 * L0, allowNHat: false);
        Assert.All(export.Config["rope_scaling"]!["short_factor"]!.AsArray(), x => Assert.Equal(1.0, (double)x!));
        Assert.Contains(export.Warnings, w => w.Contains("short_factor is all ones", StringComparison.Ordinal));
    }

    [Fact]
    public void NHat_is_refused_unless_allowed_then_dropped_with_a_warning()
    {
        var withNHat = new FactorSet([1.0, 1.5, 3.0, 8.0], 16, StackDefault(8));
        var e = Assert.Throws<InputException>(() => HfConfigExport.Build(ModelConfig(), "job", withNHat, null, L0, 8 * L0, allowNHat: false));
        Assert.Contains("--allow-nhat", e.Message, StringComparison.Ordinal);
        Assert.Contains("16", e.Message, StringComparison.Ordinal);

        var shortWithNHat = new FactorSet([1.0, 1.0, 1.0, 1.0], 4);
        Assert.Throws<InputException>(() => HfConfigExport.Build(ModelConfig(), "job", Long(StackDefault(8)), shortWithNHat, L0, 8 * L0, allowNHat: false));

        var export = HfConfigExport.Build(ModelConfig(), "job", withNHat, null, L0, 8 * L0, allowNHat: true);
        Assert.Contains(export.Warnings, w => w.Contains("n̂ = 16", StringComparison.Ordinal) && w.Contains("dropped", StringComparison.Ordinal));
        Assert.False(export.Config["rope_scaling"]!.AsObject().ContainsKey("n_hat"));
    }

    [Fact]
    public void A_target_not_beyond_L0_is_refused()
    {
        var e = Assert.Throws<InputException>(() => HfConfigExport.Build(ModelConfig(), "job", Long(1.0), null, L0, L0, allowNHat: false));
        Assert.Contains("4096", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Different_short_attention_factor_is_reported()
    {
        var shortSet = new FactorSet([1.0, 1.0, 1.0, 1.0], 0, 1.0);
        var export = HfConfigExport.Build(ModelConfig(), "job", Long(StackDefault(8)), shortSet, L0, 8 * L0, allowNHat: false);
        Assert.Contains(export.Warnings, w => w.Contains("one attention factor", StringComparison.Ordinal));
    }

    [Fact]
    public void Rope_parameters_form_is_kept_consistent()
    {
        var config = ModelConfig();
        config.Remove("rope_theta");
        config["rope_parameters"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 500000.0 };
        var export = HfConfigExport.Build(config, "job", Long(StackDefault(8)), null, L0, 8 * L0, allowNHat: false);
        var rp = export.Config["rope_parameters"]!.AsObject();
        Assert.Equal("longrope", (string)rp["rope_type"]!);
        Assert.Equal(500000.0, (double)rp["rope_theta"]!);
        Assert.Equal(L0, (int)rp["original_max_position_embeddings"]!);
        Assert.Equal(4, rp["long_factor"]!.AsArray().Count);
    }

    [Fact]
    public void Replacing_a_pretrained_scaling_is_reported()
    {
        var config = ModelConfig();
        config["rope_scaling"] = new JsonObject { ["rope_type"] = "llama3", ["factor"] = 8.0 };
        var export = HfConfigExport.Build(config, "job", Long(StackDefault(8)), null, L0, 8 * L0, allowNHat: false);
        Assert.Contains(export.Warnings, w => w.Contains("llama3", StringComparison.Ordinal));
        Assert.False(export.Config["rope_scaling"]!.AsObject().ContainsKey("factor"));
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
