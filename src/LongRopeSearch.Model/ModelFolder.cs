namespace LongRopeSearch.Model;

/// <summary>
/// An opened Hugging Face model folder, ready for evaluation: config.json, its weights (model.safetensors, or the
/// shards listed in model.safetensors.index.json) bound by the family's binder, and its tokenizer. Files are
/// memory-mapped and validated; tensors are views into the mappings, valid until Dispose.
/// </summary>
public sealed class ModelFolder : IDisposable
{
    private readonly IReadOnlyList<IDisposable> _owners;

    internal ModelFolder(string directory, ModelConfig config, IReadOnlyDictionary<string, Tensor> tensors, ITokenizer tokenizer,
        IReadOnlyList<IDisposable> owners)
    {
        Directory = directory;
        Config = config;
        Tensors = tensors;
        Tokenizer = tokenizer;
        _owners = owners;
        Weights = LlamaWeights.Bind(config, tensors, directory);
    }

    public string Directory { get; }
    public ModelConfig Config { get; }
    public IReadOnlyDictionary<string, Tensor> Tensors { get; }
    public LlamaWeights Weights { get; }

    /// <summary>How this model's documents become tokens (the folder's tokenizer.json or tokenizer.model, or raw bytes for a byte-level model).</summary>
    public ITokenizer Tokenizer { get; }

    /// <summary>True when token i is the i-th byte of a document (vocab_size 256, no tokenizer file).</summary>
    public bool IsByteLevel => Tokenizer is ByteTokenizer;

    /// <summary>
    /// Opens and validates a model folder for evaluation. Besides malformed files, refuses what the engine would
    /// score wrongly without a word: an unknown model_type, and options the engine does not apply (an unsupported
    /// rope_type, partial rotary embedding outside phi3, another activation), each naming its config.json field.
    /// </summary>
    public static ModelFolder Open(string directory) => ModelFolderLoader.Open(directory);

    /// <summary>The tokenizer of the model folder <paramref name="directory"/>, resolved without mapping any weights.</summary>
    public static ITokenizer ResolveTokenizer(string directory, ModelConfig config) => TokenizerResolver.Resolve(directory, config);

    /// <summary>The safetensors file that holds tensor <paramref name="name"/> (the folder when it is not from one).</summary>
    public string FileOf(string name) =>
        _owners.OfType<SafetensorsFile>().FirstOrDefault(f => f.Tensors.ContainsKey(name))?.Path ?? Directory;

    public void Dispose()
    {
        foreach (var o in _owners) o.Dispose();
    }
}
