using System.Text.Json.Nodes;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>
/// `eval` on a model folder with a real tokenizer and text documents scores exactly the tokens of the committed
/// independent fixture (tests/fixtures/tokenizers/mistral-v0.1-ids: @huggingface/tokenizers ids, BOS first, of the
/// first 64 KiB of two datasets/long documents): per-sample NLL equal to eval on the .ids files themselves.
/// </summary>
public class EvalRealTokenizerTests
{
    private static readonly string Model = RepoPaths.Combine("tests", "fixtures", "models", "tiny-llama-mistral-tokenizer");

    private static JsonArray Nll(string data, string jsonPath)
    {
        var (exit, _, stderr) = CliRunner.Run("eval", "--model", Model, "--data", data, "--length", "1024", "--samples", "2", "--method", "none", "--json", jsonPath);
        Assert.True(exit == 0, stderr);
        return JsonNode.Parse(File.ReadAllText(jsonPath))!["samples"]!.AsArray();
    }

    [Fact]
    public void Text_documents_through_eval_score_the_same_tokens_as_the_fixture_ids()
    {
        using var tmp = new TempDir();
        var text = tmp.File("text");
        Directory.CreateDirectory(text);
        foreach (var name in new[] { "austen-emma", "tdavid-vol1" })
        {
            var bytes = File.ReadAllBytes(RepoPaths.Combine("datasets", "long", "search", name + ".txt"));
            File.WriteAllBytes(Path.Combine(text, name + ".txt"), bytes[..(Array.LastIndexOf(bytes, (byte)'\n', 65536) + 1)]);
        }

        var fromText = Nll(text, tmp.File("text.json"));
        var fromIds = Nll(RepoPaths.Combine("tests", "fixtures", "tokenizers", "mistral-v0.1-ids"), tmp.File("ids.json"));

        Assert.Equal(2, fromIds.Count);
        Assert.Equal(fromIds.Select(x => x!.GetValue<double>()), fromText.Select(x => x!.GetValue<double>()));
    }
}
