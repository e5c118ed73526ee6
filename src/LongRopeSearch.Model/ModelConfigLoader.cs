namespace LongRopeSearch.Model;

internal static class ModelConfigLoader
{
    public static ModelConfig Load(string path) => throw new NotImplementedException();
}
