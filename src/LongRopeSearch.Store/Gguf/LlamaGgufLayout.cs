using LongRopeSearch.Model;

namespace LongRopeSearch.Store.Gguf;

/// <summary>
/// Where each Hugging Face tensor of a Llama-family model goes in a GGUF of architecture "llama", as llama.cpp's
/// convert_hf_to_gguf.py (LlamaModel) names and reorders them.
/// <para>
/// llama.cpp's "llama" architecture rotates adjacent dimensions (2i, 2i+1) of each head (GPT-J style, LLAMA_ROPE_TYPE_NORM)
/// with θ_i = base^(−2i/d), while Hugging Face (and this engine) rotate dimension i with i + d/2 (rotate_half). The
/// converter reorders the rows of q_proj and k_proj (and their biases) inside each head so that HF row j·d/2 + i
/// becomes row 2i + j: the pair llama.cpp rotates at index i is then HF's pair i, at the same frequency, and the
/// rotated q·k products are equal. So the rope factor tensors keep the pair order of a factor set: element i is λ_i.
/// </para>
/// </summary>
public static class LlamaGgufLayout
{
    public const string Architecture = "llama";
    public const string RopeFactorsLong = "rope_factors_long.weight";
    public const string RopeFactorsShort = "rope_factors_short.weight";

    /// <summary>
    /// The converter's permute(w, n_head): for each of <paramref name="heads"/> heads of size
    /// <paramref name="headDim"/>, output row h·d + 2i + j takes input row h·d + j·d/2 + i (i &lt; d/2, j ∈ {0, 1}).
    /// </summary>
    public static int[] RopeRowOrder(int heads, int headDim)
    {
        if (headDim % 2 != 0) throw new ArgumentException("head_dim must be even", nameof(headDim));
        int half = headDim / 2;
        var order = new int[heads * headDim]; // [output row] → input row
        for (int h = 0; h < heads; h++)
        {
            for (int i = 0; i < half; i++)
            {
                for (int j = 0; j < 2; j++) order[h * headDim + 2 * i + j] = h * headDim + j * half + i;
            }
        }
        return order;
    }

    /// <summary>One tensor of the export: GGUF name, source, and the row order to apply (null: as stored).</summary>
    public sealed record Mapped(string Name, Tensor Source, int[]? RowOrder);

    /// <summary>Every weight of the model under its GGUF name; output.weight is left out for tied embeddings (llama.cpp reuses token_embd).</summary>
    public static IReadOnlyList<Mapped> Map(LlamaWeights weights)
    {
        ArgumentNullException.ThrowIfNull(weights);
        var c = weights.Config;
        var qOrder = RopeRowOrder(c.NumHeads, c.HeadDim);
        var kOrder = RopeRowOrder(c.NumKvHeads, c.HeadDim);
        var list = new List<Mapped> { new("token_embd.weight", weights.Embed, null) };
        for (int i = 0; i < weights.Layers.Length; i++)
        {
            var l = weights.Layers[i];
            string b = $"blk.{i}.";
            list.Add(new(b + "attn_norm.weight", l.InputNorm, null));
            list.Add(new(b + "attn_q.weight", l.Q, qOrder));
            list.Add(new(b + "attn_k.weight", l.K, kOrder));
            list.Add(new(b + "attn_v.weight", l.V, null));
            list.Add(new(b + "attn_output.weight", l.O, null));
            if (l.QBias is not null) list.Add(new(b + "attn_q.bias", l.QBias, qOrder));
            if (l.KBias is not null) list.Add(new(b + "attn_k.bias", l.KBias, kOrder));
            if (l.VBias is not null) list.Add(new(b + "attn_v.bias", l.VBias, null));
            if (l.OBias is not null) list.Add(new(b + "attn_output.bias", l.OBias, null));
            list.Add(new(b + "ffn_norm.weight", l.PostAttentionNorm, null));
            list.Add(new(b + "ffn_gate.weight", l.Gate, null));
            list.Add(new(b + "ffn_up.weight", l.Up, null));
            list.Add(new(b + "ffn_down.weight", l.Down, null));
        }
        list.Add(new("output_norm.weight", weights.FinalNorm, null));
        if (!c.TieWordEmbeddings) list.Add(new("output.weight", weights.LmHead, null));
        return list;
    }
}
