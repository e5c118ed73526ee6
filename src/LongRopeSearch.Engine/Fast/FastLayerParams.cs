using LongRopeSearch.Model;

namespace LongRopeSearch.Engine;

/// <summary>One layer as the fast forward pass uses it: small vectors converted to float32 once, weights grouped per GEMM.</summary>
internal sealed class FastLayerParams
{
    public FastLayerParams(LayerWeights l, ModelConfig c)
    {
        InputNorm = l.InputNorm.ToFloatArray();
        PostNorm = l.PostAttentionNorm.ToFloatArray();
        Qkv = [l.Q, l.K, l.V];
        O = [l.O];
        GateUp = [l.Gate, l.Up];
        Down = [l.Down];
        if (l.QBias is not null || l.KBias is not null || l.VBias is not null)
        {
            // [q_dim + 2·kv_dim]: one bias row matching the fused q|k|v output, zeros where a bias is absent.
            QkvBias = new float[c.QueryDim + 2 * c.KvDim];
            l.QBias?.Read(0, QkvBias.AsSpan(0, c.QueryDim));
            l.KBias?.Read(0, QkvBias.AsSpan(c.QueryDim, c.KvDim));
            l.VBias?.Read(0, QkvBias.AsSpan(c.QueryDim + c.KvDim, c.KvDim));
        }
        OBias = l.OBias?.ToFloatArray();
    }

    public float[] InputNorm { get; }     // [hidden]
    public float[] PostNorm { get; }      // [hidden]
    public Tensor[] Qkv { get; }          // q | k | v, one GEMM
    public Tensor[] O { get; }
    public Tensor[] GateUp { get; }       // gate | up, one GEMM
    public Tensor[] Down { get; }
    public float[]? QkvBias { get; }      // [q_dim + 2·kv_dim] or null
    public float[]? OBias { get; }        // [hidden] or null
}
