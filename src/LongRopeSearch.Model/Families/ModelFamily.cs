namespace LongRopeSearch.Model;

/// <summary>Which projections of a decoder layer carry a bias.</summary>
internal readonly record struct ProjectionBiases(bool Qkv, bool Output);

/// <summary>
/// One decoder family: the block is the same for all of them (RMSNorm, rotary attention with GQA, SwiGLU MLP); what
/// differs is how config.json says which biases and which attention window the model has, and how the checkpoint
/// stores the projections. Each rule follows the family's transformers configuration and modeling code.
/// </summary>
/// <param name="ModelType">config.json model_type.</param>
/// <param name="Biases">The biases transformers builds for this family from config.json.</param>
/// <param name="SlidingWindow">The attention window transformers applies (config, num_hidden_layers), or null for global attention.</param>
/// <param name="Layers">Binds one layer's tensors.</param>
internal sealed record ModelFamily(
    string ModelType,
    Func<JsonFields, ProjectionBiases> Biases,
    Func<JsonFields, int, int?> SlidingWindow,
    ILayerBinder Layers);
