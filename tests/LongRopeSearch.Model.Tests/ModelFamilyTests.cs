using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

/// <summary>The family table: each model_type's binder, and Phi-3's fused layout bound as row-range views.</summary>
public sealed unsafe class ModelFamilyTests : IDisposable
{
    private readonly TempDir _tmp = new();
    private string Dir => _tmp.PathName;

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void The_table_lists_the_supported_model_types()
    {
        Assert.Equal(["llama", "mistral", "qwen2", "phi3"], ModelFamilies.SupportedModelTypes);
    }

    [Fact]
    public void Mistral_binds_no_biases_even_when_its_config_says_attention_bias()
    {
        var model = new TinyModelBuilder(qkvBias: true, outputBias: true); // stray bias tensors are ignored, as transformers does
        model.Config["model_type"] = "mistral";
        model.Config["attention_bias"] = true;
        model.Config["sliding_window"] = null;
        model.WriteSingle(Dir);
        using var folder = ModelFolder.Open(Dir);
        Assert.All(folder.Weights.Layers, l => Assert.True(l.QBias is null && l.KBias is null && l.VBias is null && l.OBias is null));
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    public void Phi3_fused_weights_bind_as_views_holding_exactly_the_separate_rows(DType dtype)
    {
        var model = new TinyModelBuilder(seed: 5);
        var separate = model.FuseLikePhi3();
        SafetensorsWriter.Write(Path.Combine(Dir, "model.safetensors"), model.Encoded(dtype));
        using var file = SafetensorsFile.Open(Path.Combine(Dir, "model.safetensors"));
        var config = LlamaConfig() with { ModelType = "phi3" };

        var w = WeightBinder.Bind(config, file.Tensors, Dir, ModelFamilies.Phi3);

        for (int i = 0; i < TinyModelBuilder.Layers; i++)
        {
            var p = $"model.layers.{i}.";
            var l = w.Layers[i];
            Assert.Equal(separate[p + "self_attn.q_proj.weight"], l.Q.ToFloatArray());
            Assert.Equal(separate[p + "self_attn.k_proj.weight"], l.K.ToFloatArray());
            Assert.Equal(separate[p + "self_attn.v_proj.weight"], l.V.ToFloatArray());
            Assert.Equal(separate[p + "mlp.gate_proj.weight"], l.Gate.ToFloatArray());
            Assert.Equal(separate[p + "mlp.up_proj.weight"], l.Up.ToFloatArray());
            Assert.Equal([TinyModelBuilder.KvHeads * TinyModelBuilder.HeadDim, TinyModelBuilder.Hidden], l.K.Shape);
            Assert.Equal(dtype, l.V.DType);
            // Views, not copies: each part starts inside the mapped fused tensor at its row offset.
            var qkv = file.Tensors[p + "self_attn.qkv_proj.weight"];
            long rowBytes = (long)TinyModelBuilder.Hidden * DTypeInfo.Size(dtype);
            Assert.True(l.Q.Data == qkv.Data);
            Assert.True(l.K.Data == qkv.Data + TinyModelBuilder.Heads * TinyModelBuilder.HeadDim * rowBytes);
            Assert.True(l.V.Data == qkv.Data + (TinyModelBuilder.Heads + TinyModelBuilder.KvHeads) * TinyModelBuilder.HeadDim * rowBytes);
            Assert.Null(l.QBias);
        }
    }

    [Fact]
    public void Phi3_fused_tensor_of_the_wrong_shape_names_both_parts_of_the_expectation()
    {
        var model = new TinyModelBuilder();
        model.FuseLikePhi3();
        model.Tensors["model.layers.1.self_attn.qkv_proj.weight"] = ([12, 8], new float[96]);
        var tensors = model.Tensors.ToDictionary(kv => kv.Key, kv => Tensor.FromFloats(kv.Key, kv.Value.Shape, kv.Value.Values));
        var e = Assert.Throws<InputException>(() => WeightBinder.Bind(LlamaConfig() with { ModelType = "phi3" }, tensors, "memory", ModelFamilies.Phi3));
        Assert.Contains("tensor model.layers.1.self_attn.qkv_proj.weight", e.Message, StringComparison.Ordinal);
        Assert.Contains("[16, 8] (from config num_attention_heads=2 × head_dim=4 + 2 × num_key_value_heads=1 × head_dim=4, hidden_size=8)", e.Message, StringComparison.Ordinal);
        Assert.Contains("found [12, 8]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_phi3_folder_opens_with_its_fused_weights_and_no_biases()
    {
        var model = new TinyModelBuilder(qkvBias: true, outputBias: true); // Phi3Attention has no biases: stray tensors are ignored
        var separate = model.FuseLikePhi3();
        model.WriteSingle(Dir);
        using var folder = ModelFolder.Open(Dir);
        Assert.Equal("phi3", folder.Config.ModelType);
        Assert.Null(folder.Config.SlidingWindow);
        Assert.Equal(separate["model.layers.1.mlp.up_proj.weight"], folder.Weights.Layers[1].Up.ToFloatArray());
        Assert.All(folder.Weights.Layers, l => Assert.True(l.QBias is null && l.KBias is null && l.VBias is null && l.OBias is null));
    }

    [Fact]
    public void Row_range_views_check_their_bounds_and_slice_1d_tensors_by_element()
    {
        var t = Tensor.FromFloats("b", [6], [0, 1, 2, 3, 4, 5]);
        Assert.Equal([2f, 3f, 4f], t.RowRange(2, 3).ToFloatArray());
        Assert.Equal("b[2:5]", t.RowRange(2, 3).Name);
        Assert.Empty(t.RowRange(6, 0).ToFloatArray());
        Assert.Throws<ArgumentOutOfRangeException>(() => t.RowRange(4, 3));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.RowRange(-1, 1));
    }

    private ModelConfig LlamaConfig()
    {
        var model = new TinyModelBuilder();
        model.WriteConfig(Dir);
        return ModelConfig.Load(Path.Combine(Dir, "config.json"));
    }
}
