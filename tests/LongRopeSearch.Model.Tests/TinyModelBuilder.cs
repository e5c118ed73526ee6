using System.Text.Json.Nodes;
using LongRopeSearch.Model;

namespace LongRopeSearch.Model.Tests;

/// <summary>
/// Writes small Llama-family model folders into a directory: a config.json (editable as a JsonObject before writing)
/// and tensors of the shapes the config implies, filled with values exactly representable in F16 and BF16 (k/16 for
/// small integers k) so every stored dtype must read back the very floats that were generated.
/// </summary>
internal sealed class TinyModelBuilder
{
    public const int Vocab = 16, Hidden = 8, Intermediate = 12, Layers = 2, Heads = 2, KvHeads = 1, HeadDim = 4;

    public JsonObject Config { get; }

    /// <summary>Tensor name → (shape, values), in the order they are written.</summary>
    public Dictionary<string, (int[] Shape, float[] Values)> Tensors { get; } = [];

    public TinyModelBuilder(bool qkvBias = false, bool outputBias = false, bool lmHead = true, int seed = 1, int vocab = Vocab)
    {
        Config = new JsonObject
        {
            ["model_type"] = "llama",
            ["vocab_size"] = vocab,
            ["hidden_size"] = Hidden,
            ["intermediate_size"] = Intermediate,
            ["num_hidden_layers"] = Layers,
            ["num_attention_heads"] = Heads,
            ["num_key_value_heads"] = KvHeads,
            ["head_dim"] = HeadDim,
            ["rope_theta"] = 10000.0,
            ["rms_norm_eps"] = 1e-5,
            ["max_position_embeddings"] = 64,
            ["tie_word_embeddings"] = false,
            ["attention_bias"] = false,
            ["hidden_act"] = "silu",
        };
        var rng = new Random(seed);
        void Add(string name, params int[] shape)
        {
            var n = shape.Aggregate(1, (a, b) => a * b);
            var v = new float[n];
            for (int i = 0; i < n; i++) v[i] = rng.Next(-128, 128) / 16f; // ≤ 8 significant bits: exact in F16 and BF16
            Tensors[name] = (shape, v);
        }
        int q = Heads * HeadDim, kv = KvHeads * HeadDim;
        Add("model.embed_tokens.weight", vocab, Hidden);
        for (int i = 0; i < Layers; i++)
        {
            var p = $"model.layers.{i}.";
            Add(p + "input_layernorm.weight", Hidden);
            Add(p + "self_attn.q_proj.weight", q, Hidden);
            Add(p + "self_attn.k_proj.weight", kv, Hidden);
            Add(p + "self_attn.v_proj.weight", kv, Hidden);
            Add(p + "self_attn.o_proj.weight", Hidden, q);
            if (qkvBias)
            {
                Add(p + "self_attn.q_proj.bias", q);
                Add(p + "self_attn.k_proj.bias", kv);
                Add(p + "self_attn.v_proj.bias", kv);
            }
            if (outputBias) Add(p + "self_attn.o_proj.bias", Hidden);
            Add(p + "post_attention_layernorm.weight", Hidden);
            Add(p + "mlp.gate_proj.weight", Intermediate, Hidden);
            Add(p + "mlp.up_proj.weight", Intermediate, Hidden);
            Add(p + "mlp.down_proj.weight", Hidden, Intermediate);
        }
        Add("model.norm.weight", Hidden);
        if (lmHead) Add("lm_head.weight", vocab, Hidden);
    }

    /// <summary>
    /// Rewrites the layers in Phi-3's fused layout: q|k|v rows concatenated into self_attn.qkv_proj.weight and gate|up
    /// into mlp.gate_up_proj.weight (the separate tensors are removed). The separate ones are returned for comparison.
    /// </summary>
    public Dictionary<string, float[]> FuseLikePhi3()
    {
        var separate = new Dictionary<string, float[]>();
        void Fuse(string fused, params string[] parts)
        {
            var values = parts.SelectMany(p => Tensors[p].Values).ToArray();
            int rows = parts.Sum(p => Tensors[p].Shape[0]);
            int cols = Tensors[parts[0]].Shape[1];
            foreach (var p in parts)
            {
                separate[p] = Tensors[p].Values;
                Tensors.Remove(p);
            }
            Tensors[fused] = ([rows, cols], values);
        }
        for (int i = 0; i < Layers; i++)
        {
            var p = $"model.layers.{i}.";
            Fuse(p + "self_attn.qkv_proj.weight", p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight", p + "self_attn.v_proj.weight");
            Fuse(p + "mlp.gate_up_proj.weight", p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight");
        }
        Config["model_type"] = "phi3";
        return separate;
    }

    public IEnumerable<SafetensorsTensor> Encoded(DType dtype) =>
        Tensors.Select(kv => SafetensorsTensor.FromFloats(kv.Key, kv.Value.Shape, kv.Value.Values, dtype));

    public void WriteConfig(string dir) => File.WriteAllText(Path.Combine(dir, "config.json"), Config.ToJsonString());

    /// <summary>config.json + model.safetensors.</summary>
    public void WriteSingle(string dir, DType dtype = DType.F32)
    {
        WriteConfig(dir);
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), Encoded(dtype));
    }

    /// <summary>config.json + <paramref name="shards"/> shard files (round-robin by tensor) + the index.</summary>
    public void WriteSharded(string dir, int shards, DType dtype = DType.F32)
    {
        WriteConfig(dir);
        var all = Encoded(dtype).ToList();
        var weightMap = new JsonObject();
        for (int s = 0; s < shards; s++)
        {
            var file = $"model-{s + 1:D5}-of-{shards:D5}.safetensors";
            var mine = all.Where((_, i) => i % shards == s).ToList();
            SafetensorsWriter.Write(Path.Combine(dir, file), mine);
            foreach (var t in mine) weightMap[t.Name] = file;
        }
        var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = 0 }, ["weight_map"] = weightMap };
        File.WriteAllText(Path.Combine(dir, "model.safetensors.index.json"), index.ToJsonString());
    }
}
