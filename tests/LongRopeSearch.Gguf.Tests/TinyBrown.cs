using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.TestSupport;

namespace LongRopeSearch.Gguf.Tests;

/// <summary>The shipped byte-level model (L0 = 256) and our engine's NLL on it: the side llama.cpp is compared with.</summary>
public static class TinyBrown
{
    public static string ModelDir => RepoPaths.Combine("models", "tiny-brown");
    public const int L0 = 256;

    /// <summary>The first <paramref name="length"/> bytes of the first validation document that long.</summary>
    public static int[] Tokens(int length)
    {
        using var model = ModelFolder.Open(ModelDir);
        return SampleSet.Load(RepoPaths.ValidationData, length, 1, model.Tokenizer).Samples[0].Tokens;
    }

    public static RopeGeometry Geometry()
    {
        var c = ModelConfig.Load(Path.Combine(ModelDir, "config.json"));
        return new RopeGeometry(c.HeadDim, c.RopeTheta, c.OriginalMaxPositionEmbeddings);
    }

    /// <summary>
    /// Our engine's next-token NLLs: the fast forward pass, which the Engine tests hold equal to the reference pass and
    /// to float64 PyTorch fixtures (the reference pass here took minutes of CI time at 2048 tokens).
    /// </summary>
    public static double[] EngineNll(int[] tokens, FactorSet factors, string? modelDir = null)
    {
        using var model = ModelFolder.Open(modelDir ?? ModelDir);
        using var eval = new PerplexityScorer(model.Weights, new ForwardPassOptions { Kind = ForwardPassKind.Fast, Threads = 2 });
        return eval.TokenNll(tokens, factors);
    }

    /// <summary>A copy of the model in <paramref name="dir"/> with every tensor stored in <paramref name="dtype"/> (round to nearest even).</summary>
    public static string NarrowCopy(string dir, DType dtype)
    {
        Directory.CreateDirectory(dir);
        File.Copy(Path.Combine(ModelDir, "config.json"), Path.Combine(dir, "config.json"), overwrite: true);
        using var model = ModelFolder.Open(ModelDir);
        var tensors = model.Tensors.Values.Select(t => SafetensorsTensor.FromFloats(t.Name, t.Shape, t.ToFloatArray(), dtype)).ToList();
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), tensors);
        return dir;
    }
}
