namespace LongRopeSearch.Model;

internal static class WeightBinder
{
    public static LlamaWeights Bind(ModelConfig config, IReadOnlyDictionary<string, Tensor> tensors, string source) => throw new NotImplementedException();
}
