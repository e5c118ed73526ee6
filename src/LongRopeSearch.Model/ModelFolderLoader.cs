using System.Text.Json;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// Opens a Hugging Face model folder: config.json, then either the shards named by
/// model.safetensors.index.json or the single model.safetensors. Each shard is mapped once; the index and the
/// shards must agree exactly, so a stale index or a stray shard cannot silently change which weights are used.
/// </summary>
internal static class ModelFolderLoader
{
    public const string ConfigName = "config.json";
    public const string SingleFileName = "model.safetensors";
    public const string IndexName = "model.safetensors.index.json";

    public static ModelFolder Open(string directory)
    {
        if (!Directory.Exists(directory))
            throw new InputException(directory, "", "a model folder (config.json + safetensors)",
                File.Exists(directory) ? "a file" : "no such directory");
        var configPath = Path.Combine(directory, ConfigName);
        if (!File.Exists(configPath))
            throw new InputException(directory, ConfigName, "a Hugging Face config.json in the model folder", WhatIsThere(configPath));
        var config = ModelConfigLoader.Load(configPath);
        var tokenizer = TokenizerResolver.Resolve(directory, config);

        var files = new List<SafetensorsFile>();
        try
        {
            var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
            var indexPath = Path.Combine(directory, IndexName);
            var singlePath = Path.Combine(directory, SingleFileName);
            // A directory by either name is reported as what it is, not as a missing file.
            if (Directory.Exists(indexPath))
                throw new InputException(indexPath, "", "a shard index file (JSON with a weight_map)", "a directory");
            if (File.Exists(indexPath)) OpenSharded(directory, indexPath, files, tensors);
            else if (File.Exists(singlePath) || Directory.Exists(singlePath))
            {
                var file = SafetensorsFile.Open(singlePath);
                files.Add(file);
                foreach (var (name, t) in file.Tensors) tensors.Add(name, t);
            }
            else
            {
                throw new InputException(directory, "", $"{SingleFileName} or {IndexName}",
                    $"no {SingleFileName} or {IndexName} in {directory}");
            }
            return new ModelFolder(directory, config, tensors, tokenizer, files);
        }
        catch
        {
            foreach (var f in files) f.Dispose();
            throw;
        }
    }

    private static string WhatIsThere(string path) => Directory.Exists(path) ? "a directory" : "no such file";

    private static void OpenSharded(string directory, string indexPath, List<SafetensorsFile> files, Dictionary<string, Tensor> tensors)
    {
        var weightMap = ReadWeightMap(indexPath);

        // Open each distinct shard once, in name order so errors are deterministic.
        var shards = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach (var shardName in weightMap.Values.Distinct().Order(StringComparer.Ordinal))
        {
            var shardPath = Path.Combine(directory, shardName);
            if (!File.Exists(shardPath))
                throw new InputException(indexPath, $"weight_map → {shardName}", $"an existing shard file in {directory}", WhatIsThere(shardPath));
            var file = SafetensorsFile.Open(shardPath);
            files.Add(file);
            shards.Add(shardName, file);
        }

        foreach (var (tensorName, shardName) in weightMap)
        {
            if (!shards[shardName].Tensors.TryGetValue(tensorName, out var t))
                throw new InputException(indexPath, $"weight_map.{tensorName}",
                    $"a tensor present in shard {shardName}", $"{shardName} has no tensor {tensorName}");
            tensors.Add(tensorName, t);
        }
        foreach (var (shardName, file) in shards)
        {
            foreach (var tensorName in file.Tensors.Keys)
            {
                if (!weightMap.TryGetValue(tensorName, out var listed) || listed != shardName)
                    throw new InputException(indexPath, $"weight_map.{tensorName}",
                        $"an entry for every tensor of every shard (shard {shardName} holds {tensorName})",
                        listed is null ? "no entry" : $"\"{listed}\"");
            }
        }
    }

    /// <summary>Reads weight_map (tensor name → shard file name); shard names must be plain file names in the directory.</summary>
    private static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        using var doc = JsonInput.Parse(indexPath, InputFiles.ReadAllBytes(indexPath, "a readable shard index file"));
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
            throw new InputException(indexPath, "", "a JSON object with a weight_map", JsonInput.Show(doc.RootElement));
        var root = new JsonInputObject(indexPath, doc.RootElement);
        if (root.Get("weight_map") is not { } mapJson) throw root.Missing("weight_map", "an object mapping tensor names to shard files");
        if (mapJson.ValueKind != JsonValueKind.Object) throw root.Wrong("weight_map", "an object mapping tensor names to shard files", mapJson);

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in mapJson.EnumerateObject())
        {
            var field = $"weight_map.{entry.Name}";
            if (entry.Value.ValueKind != JsonValueKind.String)
                throw new InputException(indexPath, field, "a shard file name", JsonInput.Show(entry.Value));
            var shard = entry.Value.GetString()!;
            if (shard.Length == 0 || shard != Path.GetFileName(shard) || shard is "." or "..")
                throw new InputException(indexPath, field, "a plain file name in the model folder", $"\"{shard}\"");
            if (!map.TryAdd(entry.Name, shard))
                throw new InputException(indexPath, field, "each tensor listed once", "a duplicate entry");
        }
        if (map.Count == 0) throw new InputException(indexPath, "weight_map", "at least one tensor", "an empty map");
        return map;
    }
}
