using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

public sealed class ModelConfigTests : IDisposable
{
    private readonly ConfigJsonFile _file = new();
    private JsonObject Config => _file.Config;
    private string ConfigPath => _file.Path;

    public void Dispose() => _file.Dispose();

    private ModelConfig Load() => _file.Load();

    private InputException Refused(params string[] mentions) => _file.Refused(mentions);

    [Fact]
    public void Reads_every_field()
    {
        var c = Load();
        Assert.Equal("llama", c.ModelType);
        Assert.Equal((16, 8, 12, 2, 2, 1, 4), (c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumLayers, c.NumHeads, c.NumKvHeads, c.HeadDim));
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.Equal(1e-5, c.RmsNormEps);
        Assert.Equal(64, c.MaxPositionEmbeddings);
        Assert.Equal(64, c.OriginalMaxPositionEmbeddings);
        Assert.False(c.TieWordEmbeddings);
        Assert.False(c.QkvBias);
        Assert.False(c.OutputBias);
        Assert.Null(c.SlidingWindow);
        Assert.Null(c.RopeScaling);
        Assert.Equal(ConfigPath, c.SourcePath);
        Assert.Equal(2, c.GroupSize);
    }

    [Fact]
    public void Absent_optional_fields_take_the_transformers_defaults()
    {
        Config.Remove("num_key_value_heads");
        Config["head_dim"] = null;
        Config.Remove("rope_theta");
        Config.Remove("tie_word_embeddings");
        Config.Remove("attention_bias");
        var c = Load();
        Assert.Equal(2, c.NumKvHeads);
        Assert.Equal(8 / 2, c.HeadDim);
        Assert.Equal(10000.0, c.RopeTheta);
        Assert.False(c.TieWordEmbeddings);
        Assert.False(c.QkvBias);
    }

    [Fact]
    public void Rope_theta_and_original_context_may_live_in_rope_parameters()
    {
        Config.Remove("rope_theta");
        Config["rope_parameters"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 500000.0, ["original_max_position_embeddings"] = 32 };
        var c = Load();
        Assert.Equal(500000.0, c.RopeTheta);
        Assert.Equal(32, c.OriginalMaxPositionEmbeddings);
        Assert.Null(c.RopeScaling);
    }

    [Fact]
    public void Original_context_in_rope_scaling_and_the_scaling_type_are_recorded()
    {
        Config["rope_scaling"] = new JsonObject
        {
            ["rope_type"] = "llama3", ["factor"] = 8.0, ["low_freq_factor"] = 1.0, ["high_freq_factor"] = 4.0, ["original_max_position_embeddings"] = 16,
        };
        var c = Load();
        Assert.Equal(16, c.OriginalMaxPositionEmbeddings);
        Assert.Equal(64, c.MaxPositionEmbeddings);
        Assert.Equal(("llama3", "rope_scaling", 16), (c.RopeScaling!.Type, c.RopeScaling.Field, c.RopeScaling.OriginalLength));
    }

    [Fact]
    public void Top_level_original_context_wins()
    {
        Config["original_max_position_embeddings"] = 8;
        Config["rope_scaling"] = new JsonObject { ["type"] = "linear", ["factor"] = 2.0, ["original_max_position_embeddings"] = 16 };
        var c = Load();
        Assert.Equal(8, c.OriginalMaxPositionEmbeddings);
        Assert.Equal(("linear", "rope_scaling"), (c.RopeScaling!.Type, c.RopeScaling.Field));
    }

    [Fact]
    public void A_scaling_in_rope_parameters_is_read_with_its_field()
    {
        Config["rope_parameters"] = new JsonObject { ["rope_type"] = "yarn", ["factor"] = 4.0, ["rope_theta"] = 10000.0 };
        var c = Load();
        Assert.Equal(("yarn", "rope_parameters"), (c.RopeScaling!.Type, c.RopeScaling.Field));
    }

    [Fact]
    public void Llama_attention_bias_covers_q_k_v_and_o()
    {
        Config["attention_bias"] = true;
        var c = Load();
        Assert.True(c.QkvBias);
        Assert.True(c.OutputBias);
    }

    [Fact]
    public void Qwen2_has_qkv_bias_and_a_sliding_window_only_when_enabled_on_some_layer()
    {
        Config["model_type"] = "qwen2";
        Config["sliding_window"] = 32;
        Config["use_sliding_window"] = false;
        Config["max_window_layers"] = 1;
        var c = Load();
        Assert.True(c.QkvBias);
        Assert.False(c.OutputBias);
        Assert.Null(c.SlidingWindow);

        Config["use_sliding_window"] = true;
        c = Load();
        Assert.Equal(32, c.SlidingWindow); // layer 1 of 2 is windowed
        Assert.Equal([false, true], c.WindowedLayers);
        Assert.Equal((null, 32), (c.AttentionWindow(0), c.AttentionWindow(1)));
        Config["max_window_layers"] = 2;
        Assert.Null(Load().SlidingWindow);      // no layer from index 2 on: every layer is global
        Config.Remove("max_window_layers");
        Assert.Null(Load().SlidingWindow);      // transformers' default 28 ≥ 2 layers
        Config["layer_types"] = new JsonArray("sliding_attention", "full_attention");
        c = Load();
        Assert.Equal(32, c.SlidingWindow);  // an explicit layer_types wins over max_window_layers
        Assert.Equal((32, null), (c.AttentionWindow(0), c.AttentionWindow(1)));
        Config.Remove("sliding_window");
        Assert.Equal(4096, Load().SlidingWindow); // Qwen2Config's default window
    }

    [Fact]
    public void Qwen2_layer_types_must_name_one_kind_per_layer()
    {
        Config["model_type"] = "qwen2";
        Config["use_sliding_window"] = true;
        Config["layer_types"] = new JsonArray("full_attention");
        Refused("layer_types", "one per layer (2 layers)");
        Config["layer_types"] = new JsonArray("full_attention", "local");
        Refused("layer_types[1]", "\"sliding_attention\"", "\"local\"");
    }

    [Fact]
    public void Mistral_records_its_sliding_window_with_the_transformers_default_when_absent()
    {
        Config["model_type"] = "mistral";
        Config["sliding_window"] = 4096;
        Assert.Equal(4096, Load().SlidingWindow);
        Config["sliding_window"] = null;
        Assert.Null(Load().SlidingWindow);
        Config.Remove("sliding_window");
        Assert.Equal(4096, Load().SlidingWindow); // MistralConfig(sliding_window=4096)
    }

    [Fact]
    public void Mistral_has_no_biases_whatever_attention_bias_says()
    {
        // MistralAttention builds every projection with bias=False; attention_bias is a Llama field.
        Config["model_type"] = "mistral";
        Config["attention_bias"] = true;
        var c = Load();
        Assert.False(c.QkvBias);
        Assert.False(c.OutputBias);
    }

    [Theory]
    [InlineData(32, 32)]   // a window smaller than the trained context is L0 (microsoft/LongRoPE's rule)
    [InlineData(64, 64)]   // equal: no change
    [InlineData(128, 64)]  // wider than the trained context: the trained context stays L0
    public void A_sliding_window_smaller_than_the_trained_context_is_the_original_length(int window, int expectedL0)
    {
        Config["model_type"] = "mistral";
        Config["sliding_window"] = window;
        var c = Load();
        Assert.Equal(64, c.MaxPositionEmbeddings);
        Assert.Equal(window, c.SlidingWindow);
        Assert.Equal(expectedL0, c.OriginalMaxPositionEmbeddings);
    }

    [Fact]
    public void The_window_is_compared_with_original_max_position_embeddings_when_given()
    {
        Config["model_type"] = "mistral";
        Config["original_max_position_embeddings"] = 16;
        Config["sliding_window"] = 32;
        Assert.Equal(16, Load().OriginalMaxPositionEmbeddings);
        Config["sliding_window"] = 8;
        Assert.Equal(8, Load().OriginalMaxPositionEmbeddings);
        Config["sliding_window"] = null;
        Assert.Equal(16, Load().OriginalMaxPositionEmbeddings);
    }

    [Fact]
    public void A_window_that_is_not_in_effect_does_not_change_the_original_length()
    {
        Config["model_type"] = "qwen2";
        Config["sliding_window"] = 8;
        Config["use_sliding_window"] = false;
        Assert.Equal(64, Load().OriginalMaxPositionEmbeddings);
        Config["model_type"] = "llama"; // Llama has no sliding window: a stray key means nothing
        Assert.Equal(64, Load().OriginalMaxPositionEmbeddings);
    }

    [Theory]
    [InlineData("gpt2")]
    [InlineData("olmo")]   // non-parametric LayerNorm: not the Llama block
    [InlineData("gemma")]  // GeGLU and (1 + w) norms: not the Llama block
    public void Unsupported_model_type_lists_the_supported_ones(string modelType)
    {
        Config["model_type"] = modelType;
        Refused("model_type", "llama, mistral, qwen2, phi3", $"\"{modelType}\"");
    }

    [Fact]
    public void Invalid_utf8_in_a_string_is_refused_with_its_byte()
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(Config.ToJsonString().Replace("silu", "si\u00e9lu", StringComparison.Ordinal));
        int at = Array.IndexOf(bytes, (byte)0xC3);
        bytes[at + 1] = 0x28; // C3 28: a lead byte without its continuation
        File.WriteAllBytes(ConfigPath, bytes);
        var e = Assert.Throws<InputException>(() => ModelConfig.Load(ConfigPath));
        Assert.Contains(ConfigPath, e.Message, StringComparison.Ordinal);
        Assert.Contains($"invalid UTF-8 at byte {at + 1}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_escaped_lone_surrogate_is_refused_naming_the_field()
    {
        File.WriteAllText(ConfigPath, Config.ToJsonString().Replace("\"silu\"", "\"\\ud800\"", StringComparison.Ordinal));
        var e = Assert.Throws<InputException>(() => ModelConfig.Load(ConfigPath));
        Assert.Contains(ConfigPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("hidden_act", e.Message, StringComparison.Ordinal);
        Assert.Contains("decodes", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_named_config_json_is_reported_as_a_directory()
    {
        Directory.CreateDirectory(ConfigPath);
        var e = Assert.Throws<InputException>(() => ModelConfig.Load(ConfigPath));
        Assert.Contains("a directory", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("hidden_size")]
    [InlineData("vocab_size")]
    [InlineData("num_hidden_layers")]
    [InlineData("rms_norm_eps")]
    [InlineData("max_position_embeddings")]
    [InlineData("model_type")]
    public void Missing_required_field(string field)
    {
        Config.Remove(field);
        Refused(field, "missing");
    }

    [Fact]
    public void Wrong_json_type()
    {
        Config["hidden_size"] = "eight";
        Refused("hidden_size", "a positive integer", "\"eight\"");
    }

    [Fact]
    public void Fractional_size_is_not_an_integer()
    {
        Config["intermediate_size"] = 12.5;
        Refused("intermediate_size", "a positive integer", "12.5");
    }

    [Fact]
    public void Non_positive_size()
    {
        Config["num_hidden_layers"] = 0;
        Refused("num_hidden_layers", "a positive integer", "0");
    }

    [Theory]
    [InlineData("llama")]
    [InlineData("mistral")]
    [InlineData("qwen2")]
    public void Partial_rotary_factor_is_refused_where_transformers_rotates_the_whole_head(string modelType)
    {
        Config["model_type"] = modelType;
        Config["partial_rotary_factor"] = 0.5;
        Refused("partial_rotary_factor", $"transformers' {modelType} attention rotates the whole head", "phi3", "0.5");
    }

    [Fact]
    public void Partial_rotary_factor_of_one_is_fine()
    {
        Config["partial_rotary_factor"] = 1.0;
        var c = Load();
        Assert.Equal((4, 4, 2), (c.HeadDim, c.RotaryDim, c.RotaryPairs));
    }

    [Theory]
    [InlineData(0.75, 12)]  // Phi-4-mini's factor: int(16 × 0.75)
    [InlineData(0.5, 8)]
    [InlineData(0.3, 4)]    // int(4.8): Python's truncation
    public void Phi3_rotates_int_head_dim_times_partial_rotary_factor_dims(double factor, int rotaryDim)
    {
        Config["model_type"] = "phi3";
        Config["head_dim"] = 16;
        Config["num_attention_heads"] = 2;
        Config["num_key_value_heads"] = 1;
        Config["partial_rotary_factor"] = factor;
        var c = Load();
        Assert.Equal((16, rotaryDim, rotaryDim / 2), (c.HeadDim, c.RotaryDim, c.RotaryPairs));
    }

    [Fact]
    public void Phi3_partial_rotary_factor_may_live_in_rope_parameters_and_must_give_an_even_rotary_dim()
    {
        Config["model_type"] = "phi3";
        Config["rope_parameters"] = new JsonObject { ["rope_type"] = "default", ["partial_rotary_factor"] = 0.5 };
        Assert.Equal(2, Load().RotaryDim);
        Config["partial_rotary_factor"] = 0.25; // the top-level value wins, as standardize_rope_params copies it over
        Refused("partial_rotary_factor", "even rotary dimension of at least 2", "rotary dimension 1");
        Config["partial_rotary_factor"] = 1.5;
        Refused("partial_rotary_factor", "(0, 1]", "1.5");
    }

    [Fact]
    public void Heads_must_divide_hidden_when_head_dim_is_derived()
    {
        Config.Remove("head_dim");
        Config["num_attention_heads"] = 3;
        Config["num_key_value_heads"] = 3;
        Refused("num_attention_heads", "a divisor of hidden_size=8", "3");
    }

    [Fact]
    public void Head_dim_must_be_even()
    {
        Config["head_dim"] = 5;
        Refused("head_dim", "even", "5");
    }

    [Fact]
    public void Kv_heads_must_divide_heads()
    {
        Config["num_attention_heads"] = 4;
        Config["num_key_value_heads"] = 3;
        Refused("num_key_value_heads", "a divisor of num_attention_heads=4", "3");
    }

    [Fact]
    public void Other_activation_is_refused()
    {
        Config["hidden_act"] = "gelu";
        Refused("hidden_act", "silu", "gelu");
    }

    [Fact]
    public void Malformed_json_reports_line_and_byte()
    {
        File.WriteAllText(ConfigPath, "{\n  \"model_type\": \"llama\",\n  \"vocab_size\": 16,,\n}");
        var e = Assert.Throws<InputException>(() => ModelConfig.Load(ConfigPath));
        Assert.Contains(ConfigPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("(line 3, byte", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_file_is_named()
    {
        var e = Assert.Throws<InputException>(() => ModelConfig.Load(ConfigPath));
        Assert.Contains(ConfigPath, e.Message, StringComparison.Ordinal);
        Assert.Contains("no such file", e.Message, StringComparison.Ordinal);
    }
}
