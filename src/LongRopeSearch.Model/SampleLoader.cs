namespace LongRopeSearch.Model;

internal static class SampleLoader
{
    public static SampleSet Load(string path, int length, int? count, ModelConfig config) => throw new NotImplementedException();
}
