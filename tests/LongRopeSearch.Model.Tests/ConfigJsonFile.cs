using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Model.Tests;

/// <summary>A tiny model's config.json that a test edits (<see cref="Config"/>), then loads or expects refused.</summary>
internal sealed class ConfigJsonFile : IDisposable
{
    private readonly TempDir _tmp = new();

    public JsonObject Config { get; } = new TinyModelBuilder().Config;

    public string Path => _tmp.File("config.json");

    public void Dispose() => _tmp.Dispose();

    public ModelConfig Load()
    {
        File.WriteAllText(Path, Config.ToJsonString());
        return ModelConfig.Load(Path);
    }

    /// <summary>Loading fails with an InputException whose one line names the file and every one of <paramref name="mentions"/>.</summary>
    public InputException Refused(params string[] mentions)
    {
        File.WriteAllText(Path, Config.ToJsonString());
        var e = Assert.Throws<InputException>(() => ModelConfig.Load(Path));
        Assert.Contains(Path, e.Message, StringComparison.Ordinal);
        foreach (var m in mentions) Assert.Contains(m, e.Message, StringComparison.Ordinal);
        return e;
    }
}
