namespace LongRopeSearch.Model;

/// <summary>Binds the tensors of one decoder layer (Hugging Face names under <c>model.layers.{i}.</c>).</summary>
internal interface ILayerBinder
{
    LayerWeights Bind(ModelConfig c, TensorLookup tensors, string prefix);
}

/// <summary>The shapes one layer's tensors must have, with the config fields each comes from.</summary>
internal sealed class LayerShapes(ModelConfig c)
{
    private readonly string _q = $"num_attention_heads={c.NumHeads} × head_dim={c.HeadDim}";
    private readonly string _kv = $"num_key_value_heads={c.NumKvHeads} × head_dim={c.HeadDim}";
    private readonly string _h = $"hidden_size={c.HiddenSize}";
    private readonly string _m = $"intermediate_size={c.IntermediateSize}";

    public ExpectedShape Hidden { get; } = ExpectedShape.Hidden(c);
    public ExpectedShape Q => new([c.QueryDim, c.HiddenSize], $"{_q}, {_h}");
    public ExpectedShape Kv => new([c.KvDim, c.HiddenSize], $"{_kv}, {_h}");
    public ExpectedShape O => new([c.HiddenSize, c.QueryDim], $"{_h}, {_q}");
    public ExpectedShape QBias => new([c.QueryDim], _q + ", bias on q/k/v");
    public ExpectedShape KvBias => new([c.KvDim], _kv + ", bias on q/k/v");
    public ExpectedShape OBias => new([c.HiddenSize], _h + ", bias on o");
    public ExpectedShape Gate => new([c.IntermediateSize, c.HiddenSize], $"{_m}, {_h}");
    public ExpectedShape Down => new([c.HiddenSize, c.IntermediateSize], $"{_h}, {_m}");
    public ExpectedShape Qkv => new([c.QueryDim + 2 * c.KvDim, c.HiddenSize], $"{_q} + 2 × {_kv}, {_h}");
    public ExpectedShape QkvBias => new([c.QueryDim + 2 * c.KvDim], $"{_q} + 2 × {_kv}, bias on q/k/v");
    public ExpectedShape GateUp => new([2 * c.IntermediateSize, c.HiddenSize], $"2 × {_m}, {_h}");
}

/// <summary>Llama, Mistral, Qwen2: q_proj, k_proj, v_proj, o_proj and gate_proj, up_proj, down_proj as separate tensors.</summary>
internal sealed class SeparateProjections : ILayerBinder
{
    public static readonly SeparateProjections Instance = new();

    public LayerWeights Bind(ModelConfig c, TensorLookup tensors, string prefix)
    {
        var s = new LayerShapes(c);
        string attn = prefix + "self_attn.", mlp = prefix + "mlp.";
        return new LayerWeights
        {
            InputNorm = tensors.Get(prefix + "input_layernorm.weight", s.Hidden),
            Q = tensors.Get(attn + "q_proj.weight", s.Q),
            K = tensors.Get(attn + "k_proj.weight", s.Kv),
            V = tensors.Get(attn + "v_proj.weight", s.Kv),
            O = tensors.Get(attn + "o_proj.weight", s.O),
            QBias = c.QkvBias ? tensors.Get(attn + "q_proj.bias", s.QBias) : null,
            KBias = c.QkvBias ? tensors.Get(attn + "k_proj.bias", s.KvBias) : null,
            VBias = c.QkvBias ? tensors.Get(attn + "v_proj.bias", s.KvBias) : null,
            OBias = c.OutputBias ? tensors.Get(attn + "o_proj.bias", s.OBias) : null,
            PostAttentionNorm = tensors.Get(prefix + "post_attention_layernorm.weight", s.Hidden),
            Gate = tensors.Get(mlp + "gate_proj.weight", s.Gate),
            Up = tensors.Get(mlp + "up_proj.weight", s.Gate),
            Down = tensors.Get(mlp + "down_proj.weight", s.Down),
        };
    }
}

/// <summary>
/// Phi-3: self_attn.qkv_proj.weight [q + 2·kv, hidden] holds q, k, v as consecutive row blocks and
/// mlp.gate_up_proj.weight [2·intermediate, hidden] holds gate then up (Phi3MLP: gate, up = chunk(2)). Each part is
/// bound as a row-range view of the fused tensor (same bytes, no copy), so the engine's q|k|v and gate|up GEMMs read
/// exactly the rows the fused model tensor stores.
/// </summary>
internal sealed class FusedProjections : ILayerBinder
{
    public static readonly FusedProjections Instance = new();

    public LayerWeights Bind(ModelConfig c, TensorLookup tensors, string prefix)
    {
        var s = new LayerShapes(c);
        string attn = prefix + "self_attn.", mlp = prefix + "mlp.";
        int q = c.QueryDim, kv = c.KvDim;
        var qkv = tensors.Get(attn + "qkv_proj.weight", s.Qkv);
        var qkvBias = c.QkvBias ? tensors.Get(attn + "qkv_proj.bias", s.QkvBias) : null;
        var gateUp = tensors.Get(mlp + "gate_up_proj.weight", s.GateUp);
        return new LayerWeights
        {
            InputNorm = tensors.Get(prefix + "input_layernorm.weight", s.Hidden),
            Q = qkv.RowRange(0, q),
            K = qkv.RowRange(q, kv),
            V = qkv.RowRange(q + kv, kv),
            O = tensors.Get(attn + "o_proj.weight", s.O),
            QBias = qkvBias?.RowRange(0, q),
            KBias = qkvBias?.RowRange(q, kv),
            VBias = qkvBias?.RowRange(q + kv, kv),
            OBias = c.OutputBias ? tensors.Get(attn + "o_proj.bias", s.OBias) : null,
            PostAttentionNorm = tensors.Get(prefix + "post_attention_layernorm.weight", s.Hidden),
            Gate = gateUp.RowRange(0, c.IntermediateSize),
            Up = gateUp.RowRange(c.IntermediateSize, c.IntermediateSize),
            Down = tensors.Get(mlp + "down_proj.weight", s.Down),
        };
    }
}
