using System.Globalization;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>A non-finite value stored in a checkpoint: the file, the tensor, the element's flat index and its value.</summary>
public sealed record NonFiniteWeight(string File, string Tensor, long Index, float Value)
{
    /// <summary>The refusal naming it: file, tensor, expectation, what was found (exit 2 in the CLI).</summary>
    public InputException ToInputException() =>
        new(File, Tensor, "finite weights", string.Create(CultureInfo.InvariantCulture, $"{Value} at element {Index}"));
}

/// <summary>
/// Finds NaN or ±Inf in a model's weights. Reading every weight costs one pass over the checkpoint, so callers do it
/// only to explain a non-finite score (`eval`, a search), never on every load.
/// </summary>
public static class NonFiniteWeights
{
    private const int Chunk = 1 << 16;

    /// <summary>The first non-finite element of the checkpoint's tensors in name order, or null when all are finite.</summary>
    public static NonFiniteWeight? Find(ModelFolder model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var buffer = new float[Chunk];
        foreach (var (name, tensor) in model.Tensors.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            for (long start = 0; start < tensor.ElementCount; start += Chunk)
            {
                var span = buffer.AsSpan(0, (int)Math.Min(Chunk, tensor.ElementCount - start));
                tensor.Read(start, span);
                for (int i = 0; i < span.Length; i++)
                {
                    if (!float.IsFinite(span[i])) return new NonFiniteWeight(model.FileOf(name), name, start + i, span[i]);
                }
            }
        }
        return null;
    }
}
