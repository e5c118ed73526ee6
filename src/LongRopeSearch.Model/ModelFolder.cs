namespace LongRopeSearch.Model;

/// <summary>
/// An opened Hugging Face model folder: config.json plus model.safetensors, or the shards listed in
/// model.safetensors.index.json. Files are memory-mapped and validated; tensors are views into the mappings,
/// valid until Dispose.
/// </summary>
public sealed class ModelFolder : IDisposable
{
    private readonly IReadOnlyList<IDisposable> _owners;

    public ModelFolder(string directory, ModelConfig config, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyList<IDisposable> owners)
    {
        Directory = directory;
        Config = config;
        Tensors = tensors;
        _owners = owners;
        Weights = LlamaWeights.Bind(config, tensors, directory);
    }

    public string Directory { get; }
    public ModelConfig Config { get; }
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }
    public LlamaWeights Weights { get; }

    /// <summary>Opens and validates a model folder.</summary>
    public static ModelFolder Open(string directory) => ModelFolderLoader.Open(directory);

    public void Dispose()
    {
        foreach (var o in _owners) o.Dispose();
    }
}
