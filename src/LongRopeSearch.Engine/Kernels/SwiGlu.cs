using System.Numerics.Tensors;

namespace LongRopeSearch.Engine.Kernels;

/// <summary>The Llama MLP gate: h = silu(g) ⊙ u with silu(g) = g·σ(g).</summary>
internal static class SwiGlu
{
    /// <summary>gate ← silu(gate) ⊙ up, element-wise over one row.</summary>
    public static void ApplyInPlace(Span<float> gate, ReadOnlySpan<float> up, Span<float> scratch)
    {
        TensorPrimitives.Sigmoid(gate, scratch);
        TensorPrimitives.Multiply(gate, scratch, gate);
        TensorPrimitives.Multiply(gate, up, gate);
    }
}
