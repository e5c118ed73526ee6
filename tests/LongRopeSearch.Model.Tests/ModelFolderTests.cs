using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

public sealed class ModelFolderTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private string Dir => _tmp.PathName;

    public void Dispose() => _tmp.Dispose();

    private static void AssertBound(TinyModelBuilder model, ModelFolder ck)
    {
        var w = ck.Weights;
        float[] Expected(string name) => model.Tensors[name].Values;
        Assert.Equal(Expected("model.embed_tokens.weight"), w.Embed.ToFloatArray());
        Assert.Equal(Expected("model.norm.weight"), w.FinalNorm.ToFloatArray());
        Assert.Equal(TinyModelBuilder.Layers, w.Layers.Length);
        for (int i = 0; i < w.Layers.Length; i++)
        {
            var l = w.Layers[i];
            var p = $"model.layers.{i}.";
            Assert.Equal(Expected(p + "input_layernorm.weight"), l.InputNorm.ToFloatArray());
            Assert.Equal(Expected(p + "self_attn.q_proj.weight"), l.Q.ToFloatArray());
            Assert.Equal(Expected(p + "self_attn.k_proj.weight"), l.K.ToFloatArray());
            Assert.Equal(Expected(p + "self_attn.v_proj.weight"), l.V.ToFloatArray());
            Assert.Equal(Expected(p + "self_attn.o_proj.weight"), l.O.ToFloatArray());
            Assert.Equal(Expected(p + "post_attention_layernorm.weight"), l.PostAttentionNorm.ToFloatArray());
            Assert.Equal(Expected(p + "mlp.gate_proj.weight"), l.Gate.ToFloatArray());
            Assert.Equal(Expected(p + "mlp.up_proj.weight"), l.Up.ToFloatArray());
            Assert.Equal(Expected(p + "mlp.down_proj.weight"), l.Down.ToFloatArray());
        }
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.F16)]
    [InlineData(DType.BF16)]
    public void Single_file_checkpoint_binds_every_tensor_to_its_written_values(DType dtype)
    {
        var model = new TinyModelBuilder();
        model.WriteSingle(Dir, dtype);
        using var ck = ModelFolder.Open(Dir);
        Assert.Equal(TinyModelBuilder.Hidden, ck.Config.HiddenSize);
        Assert.Equal(model.Tensors.Count, ck.Tensors.Count);
        AssertBound(model, ck);
        Assert.Equal(model.Tensors["lm_head.weight"].Values, ck.Weights.LmHead.ToFloatArray());
        Assert.Null(ck.Weights.Layers[0].QBias);
        // Row access reads the right slice: row 3 of the embedding.
        var row = new float[TinyModelBuilder.Hidden];
        ck.Weights.Embed.ReadRow(3, row);
        Assert.Equal(model.Tensors["model.embed_tokens.weight"].Values.AsSpan(3 * TinyModelBuilder.Hidden, TinyModelBuilder.Hidden).ToArray(), row);
    }

    [Fact]
    public void Sharded_checkpoint_gathers_tensors_from_every_shard()
    {
        var model = new TinyModelBuilder();
        model.WriteSharded(Dir, shards: 3, DType.BF16);
        using var ck = ModelFolder.Open(Dir);
        Assert.Equal(model.Tensors.Count, ck.Tensors.Count);
        AssertBound(model, ck);
    }

    [Fact]
    public void Qwen2_binds_qkv_biases()
    {
        var model = new TinyModelBuilder(qkvBias: true);
        model.Config["model_type"] = "qwen2";
        model.WriteSingle(Dir);
        using var ck = ModelFolder.Open(Dir);
        var l = ck.Weights.Layers[1];
        Assert.Equal(model.Tensors["model.layers.1.self_attn.q_proj.bias"].Values, l.QBias!.ToFloatArray());
        Assert.Equal(model.Tensors["model.layers.1.self_attn.k_proj.bias"].Values, l.KBias!.ToFloatArray());
        Assert.Equal(model.Tensors["model.layers.1.self_attn.v_proj.bias"].Values, l.VBias!.ToFloatArray());
        Assert.Null(l.OBias);
    }

    [Fact]
    public void Llama_attention_bias_requires_the_o_bias_too()
    {
        var model = new TinyModelBuilder(qkvBias: true);
        model.Config["attention_bias"] = true;
        model.WriteSingle(Dir);
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Contains("missing tensor model.layers.0.self_attn.o_proj.bias", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Tied_embeddings_use_the_embedding_and_ignore_a_stray_lm_head()
    {
        var model = new TinyModelBuilder(lmHead: true);
        model.Config["tie_word_embeddings"] = true;
        model.WriteSingle(Dir);
        using var ck = ModelFolder.Open(Dir);
        Assert.Same(ck.Weights.Embed, ck.Weights.LmHead);
    }

    [Fact]
    public void Tied_embeddings_need_no_lm_head()
    {
        var model = new TinyModelBuilder(lmHead: false);
        model.Config["tie_word_embeddings"] = true;
        model.WriteSingle(Dir);
        using var ck = ModelFolder.Open(Dir);
        Assert.Same(ck.Weights.Embed, ck.Weights.LmHead);
    }

    [Fact]
    public void Extra_tensors_are_ignored()
    {
        var model = new TinyModelBuilder();
        model.Tensors["model.layers.0.self_attn.rotary_emb.inv_freq"] = ([2], [1f, 0.01f]);
        model.WriteSingle(Dir);
        using var ck = ModelFolder.Open(Dir);
        AssertBound(model, ck);
    }

    [Fact]
    public void Missing_tensor_is_named()
    {
        var model = new TinyModelBuilder();
        model.Tensors.Remove("model.layers.1.mlp.up_proj.weight");
        model.WriteSingle(Dir);
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Contains($"missing tensor model.layers.1.mlp.up_proj.weight in {Dir}", e.Message, StringComparison.Ordinal);
        Assert.Contains("[12, 8]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_shape_names_tensor_expected_shape_config_fields_and_found_shape()
    {
        var model = new TinyModelBuilder();
        model.Tensors["model.layers.0.self_attn.k_proj.weight"] = ([8, 8], new float[64]);
        model.WriteSingle(Dir);
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Equal(Dir, e.Origin);
        Assert.Contains("tensor model.layers.0.self_attn.k_proj.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("expected shape [4, 8] (from config num_key_value_heads=1 × head_dim=4, hidden_size=8)", e.Message, StringComparison.Ordinal);
        Assert.Contains("found [8, 8]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bind_works_on_in_memory_tensors()
    {
        var model = new TinyModelBuilder();
        model.WriteConfig(Dir);
        var config = ModelConfig.Load(Path.Combine(Dir, "config.json"));
        var tensors = model.Tensors.ToDictionary(kv => kv.Key, kv => Tensor.FromFloats(kv.Key, kv.Value.Shape, kv.Value.Values));
        var w = LlamaWeights.Bind(config, tensors, "memory");
        Assert.Same(tensors["model.layers.1.mlp.down_proj.weight"], w.Layers[1].Down);
    }

    [Fact]
    public void Index_listing_a_tensor_its_shard_lacks()
    {
        var model = new TinyModelBuilder();
        model.WriteSharded(Dir, shards: 2);
        EditIndex(map => map["model.norm.weight"] = FlipShard(map["model.norm.weight"]!.GetValue<string>()));
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Contains("model.safetensors.index.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("has no tensor model.norm.weight", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shard_tensor_missing_from_the_index()
    {
        var model = new TinyModelBuilder();
        model.WriteSharded(Dir, shards: 2);
        EditIndex(map => map.Remove("model.layers.0.mlp.gate_proj.weight"));
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Contains("weight_map.model.layers.0.mlp.gate_proj.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("no entry", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_shard_file()
    {
        new TinyModelBuilder().WriteSharded(Dir, shards: 2);
        File.Delete(Path.Combine(Dir, "model-00002-of-00002.safetensors"));
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Contains("model-00002-of-00002.safetensors", e.Message, StringComparison.Ordinal);
        Assert.Contains("no such file", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Shard_path_outside_the_directory_is_refused()
    {
        new TinyModelBuilder().WriteSharded(Dir, shards: 2);
        EditIndex(map => map["model.norm.weight"] = "../elsewhere.safetensors");
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Contains("a plain file name", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_without_weights()
    {
        new TinyModelBuilder().WriteConfig(Dir);
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Contains($"no model.safetensors or model.safetensors.index.json in {Dir}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Directory_without_config()
    {
        new TinyModelBuilder().WriteSingle(Dir);
        File.Delete(Path.Combine(Dir, "config.json"));
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Contains(Dir, e.Message, StringComparison.Ordinal);
        Assert.Contains("config.json", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_directory()
    {
        var missing = Path.Combine(Dir, "nope");
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(missing));
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
        Assert.Contains("no such directory", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rope_scaling", "type", "linear")]      // the legacy key
    [InlineData("rope_scaling", "rope_type", "yarn")]
    [InlineData("rope_parameters", "rope_type", "dynamic")]
    public void A_published_rope_scaling_opens_and_is_read_from_its_field(string field, string key, string type)
    {
        var model = new TinyModelBuilder();
        model.Config[field] = new JsonObject { [key] = type, ["factor"] = 4.0 };
        model.WriteSingle(Dir);
        using var folder = ModelFolder.Open(Dir);
        var s = Assert.IsType<PublishedScaling>(folder.Config.RopeScaling, exactMatch: false);
        Assert.Equal(type, s.Type);
        Assert.Equal(field, s.Field);
        Assert.Equal(Path.Combine(Dir, "config.json"), s.Source);
    }

    [Theory]
    [InlineData("rope_scaling", "rope_type", "ntk")]
    [InlineData("rope_scaling", "type", "su")]          // a Phi-3 name: only phi3 renames it to longrope
    [InlineData("rope_parameters", "rope_type", "proportional")]
    public void An_unsupported_rope_type_is_refused_naming_config_json_and_the_field(string field, string key, string type)
    {
        var model = new TinyModelBuilder();
        model.Config[field] = new JsonObject { [key] = type, ["factor"] = 4.0 };
        model.WriteSingle(Dir);
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Equal(Path.Combine(Dir, "config.json"), e.Origin);
        Assert.Equal($"{field}.{key}", e.Field);
        Assert.Contains($"\"{type}\"", e.Message, StringComparison.Ordinal);
        Assert.Contains("linear, dynamic, yarn, llama3, longrope", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void A_default_or_null_rope_scaling_is_plain_rope_and_opens()
    {
        var model = new TinyModelBuilder();
        model.Config["rope_scaling"] = null;
        model.Config["rope_parameters"] = new JsonObject { ["rope_type"] = "default", ["rope_theta"] = 10000.0 };
        model.WriteSingle(Dir);
        using var folder = ModelFolder.Open(Dir);
        Assert.Null(folder.Config.RopeScaling);
    }

    [Fact]
    public void A_directory_named_model_safetensors_is_reported_as_a_directory()
    {
        new TinyModelBuilder().WriteConfig(Dir);
        var weights = Path.Combine(Dir, "model.safetensors");
        Directory.CreateDirectory(weights);
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Equal(weights, e.Origin);
        Assert.Contains("found a directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_named_like_the_index_is_reported_as_a_directory()
    {
        new TinyModelBuilder().WriteSingle(Dir);
        var index = Path.Combine(Dir, "model.safetensors.index.json");
        Directory.CreateDirectory(index);
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Equal(index, e.Origin);
        Assert.Contains("found a directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_named_config_json_is_reported_as_a_directory()
    {
        new TinyModelBuilder().WriteSingle(Dir);
        File.Delete(Path.Combine(Dir, "config.json"));
        Directory.CreateDirectory(Path.Combine(Dir, "config.json"));
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Contains("config.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("found a directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_shard_that_is_a_directory_is_reported_as_a_directory()
    {
        new TinyModelBuilder().WriteSharded(Dir, shards: 2);
        var shard = Path.Combine(Dir, "model-00002-of-00002.safetensors");
        File.Delete(shard);
        Directory.CreateDirectory(shard);
        var e = Assert.Throws<InputException>(() => ModelFolder.Open(Dir));
        Assert.Contains("model-00002-of-00002.safetensors", e.Message, StringComparison.Ordinal);
        Assert.Contains("found a directory", e.Message, StringComparison.Ordinal);
    }

    private static string FlipShard(string shard) =>
        shard == "model-00001-of-00002.safetensors" ? "model-00002-of-00002.safetensors" : "model-00001-of-00002.safetensors";

    private void EditIndex(Action<JsonObject> edit)
    {
        var path = Path.Combine(Dir, "model.safetensors.index.json");
        var index = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(index["weight_map"]!.AsObject());
        File.WriteAllText(path, index.ToJsonString());
    }
}
