using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;

namespace LongRopeSearch.TestSupport;

/// <summary>Model folders a test may change: a copy of a fixture model, and float32 weights overwritten in it.</summary>
public static class ModelFiles
{
    /// <summary>Copies every file of <paramref name="model"/> into the new folder <paramref name="to"/>; returns it.</summary>
    public static string Copy(string model, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(model)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)));
        return to;
    }

    /// <summary>
    /// Overwrites elements [first, first + count) of a float32 tensor of the folder's model.safetensors with
    /// <paramref name="value"/> (a NaN, an Inf, a huge finite value); returns the file's path.
    /// </summary>
    public static string SetWeights(string modelDir, string tensor, int first, int count, float value)
    {
        var path = Path.Combine(modelDir, "model.safetensors");
        var bytes = File.ReadAllBytes(path);
        int n = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, n))!;
        if ((string?)header[tensor]?["dtype"] != "F32") throw new InvalidOperationException($"{path}: {tensor} is not a float32 tensor of this file");
        int start = 8 + n + (int)header[tensor]!["data_offsets"]![0]!;
        for (int i = first; i < first + count; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(start + 4 * i), value);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
