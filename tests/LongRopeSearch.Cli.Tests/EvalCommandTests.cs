using System.Text.Json.Nodes;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

public class EvalCommandTests
{
    private const string Gqa = "tests/fixtures/models/gqa";

    [Fact]
    public void Eval_with_a_factor_file_matches_the_pytorch_fixture_through_the_whole_cli()
    {
        // tests/fixtures/nll/e-gqa.json was computed by tools/make_fixtures.py in float64 PyTorch.
        var fixture = JsonNode.Parse(File.ReadAllText(RepoPaths.Combine("tests", "fixtures", "nll", "e-gqa.json")))!;
        using var tmp = new TempDir();
        var factors = tmp.File("f.json");
        File.WriteAllText(factors, fixture["factors"]!.ToJsonString());
        var json = tmp.File("out.json");

        var (exit, stdout, stderr) = CliRunner.Run("eval", "--model", Gqa, "--data", "datasets/validation",
            "--length", "128", "--samples", "2", "--factors", factors, "--json", json);

        Assert.True(exit == 0, stderr);
        Assert.Contains("128", stdout);
        var result = JsonNode.Parse(File.ReadAllText(json))!;
        double expected = (double)fixture["mean_nll"]!;
        double actual = (double)result["mean_nll"]!;
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * expected, $"mean NLL {actual} vs PyTorch {expected}");
        Assert.Equal(128, (int)result["length"]!);
        Assert.Equal(2, result["samples"]!.AsArray().Count);
        Assert.Equal(Math.Exp(actual), (double)result["ppl"]!, 9);
    }

    /// <summary>
    /// A checkpoint with its own rope_scaling is scored as published by default, matching the float64 PyTorch model
    /// that applies transformers' formulas (tools/torch_llama.py); --method none is plain RoPE instead.
    /// </summary>
    [Theory]
    [InlineData("o-phi3-longrope-long", "longrope")]
    [InlineData("r-llama-yarn", "yarn")]
    [InlineData("q-llama-dynamic", "dynamic")]
    public void Eval_of_a_model_with_its_own_rope_scaling_reproduces_it_as_published(string fixtureName, string type)
    {
        var fixture = JsonNode.Parse(File.ReadAllText(RepoPaths.Combine("tests", "fixtures", "nll", fixtureName + ".json")))!;
        int length = (int)fixture["length"]!;
        using var tmp = new TempDir();
        var json = tmp.File("out.json");
        var (exit, stdout, stderr) = CliRunner.Run("eval", "--model", (string)fixture["model"]!, "--data", "datasets/validation",
            "--length", length.ToString(System.Globalization.CultureInfo.InvariantCulture), "--samples", "2", "--json", json);
        Assert.True(exit == 0, stderr);
        Assert.Contains($"as published ({type})", stdout);
        double expected = (double)fixture["mean_nll"]!;
        double actual = (double)JsonNode.Parse(File.ReadAllText(json))!["mean_nll"]!;
        Assert.True(Math.Abs(actual - expected) <= 1e-4 * expected, $"mean NLL {actual} vs PyTorch {expected}");

        (exit, stdout, stderr) = CliRunner.Run("eval", "--model", (string)fixture["model"]!, "--data", "datasets/validation",
            "--length", length.ToString(System.Globalization.CultureInfo.InvariantCulture), "--samples", "2", "--method", "none", "--json", json);
        Assert.True(exit == 0, stderr);
        double plain = (double)JsonNode.Parse(File.ReadAllText(json))!["mean_nll"]!;
        Assert.True(Math.Abs(plain - expected) > 1e-3 * expected, $"plain RoPE {plain} should differ from the published scaling {expected}");
    }

    [Fact]
    public void Several_lengths_give_one_row_each_and_a_json_array()
    {
        using var tmp = new TempDir();
        var json = tmp.File("out.json");
        var (exit, stdout, stderr) = CliRunner.Run("eval", "--model", Gqa, "--length", "32,64", "--samples", "1", "--method", "pi", "--json", json);
        Assert.True(exit == 0, stderr);
        var rows = JsonNode.Parse(File.ReadAllText(json))!.AsArray();
        Assert.Equal([32, 64], rows.Select(r => (int)r!["length"]!));
        Assert.Contains("pi s=1", stdout);
    }

    [Theory]
    [InlineData("--length", "1", "--length", "≥ 2")]
    [InlineData("--length", "abc", "--length", "tokens")]
    [InlineData("--samples", "many", "--samples", "many")]
    [InlineData("--samples", "999", "datasets/validation", "--samples")]
    [InlineData("--method", "rope-magic", "--method", "pi")]
    public void Bad_arguments_exit_2_with_a_message_naming_the_culprit(string option, string value, string named, string expectation)
    {
        var args = new List<string> { "eval", "--model", Gqa, "--length", "64" };
        var i = args.IndexOf(option);
        if (i >= 0) args[i + 1] = value;
        else args.AddRange([option, value]);
        var (exit, _, stderr) = CliRunner.Run([.. args]);
        Assert.Equal(2, exit);
        Assert.Contains(named, stderr);
        Assert.Contains(expectation, stderr);
    }

    [Fact]
    public void Missing_model_directory_names_it()
    {
        var (exit, _, stderr) = CliRunner.Run("eval", "--model", "no/such/model", "--length", "64");
        Assert.Equal(2, exit);
        Assert.Contains("no/such/model", stderr);
    }

    [Fact]
    public void Factor_file_of_the_wrong_length_is_refused_with_the_expected_count()
    {
        using var tmp = new TempDir();
        var f = tmp.File("bad.csv");
        File.WriteAllText(f, "1.0\n2.0\n3.0\n");
        var (exit, _, stderr) = CliRunner.Run("eval", "--model", Gqa, "--length", "64", "--factors", f);
        Assert.Equal(2, exit);
        Assert.Contains("bad.csv", stderr);
        Assert.Contains("8 factors", stderr);
    }

    [Fact]
    public void Factors_and_method_together_are_refused()
    {
        using var tmp = new TempDir();
        var f = tmp.File("f.csv");
        File.WriteAllText(f, string.Join("\n", Enumerable.Repeat("1.0", 8)));
        var (exit, _, stderr) = CliRunner.Run("eval", "--model", Gqa, "--length", "64", "--factors", f, "--method", "pi");
        Assert.Equal(2, exit);
        Assert.Contains("--factors", stderr);
    }

    [Fact]
    public void Reference_and_fast_engines_agree_through_the_cli()
    {
        using var tmp = new TempDir();
        var a = tmp.File("a.json");
        var b = tmp.File("b.json");
        Assert.Equal(0, CliRunner.Run("eval", "--model", Gqa, "--length", "100", "--samples", "2", "--method", "yarn", "--engine", "reference", "--json", a).Exit);
        Assert.Equal(0, CliRunner.Run("eval", "--model", Gqa, "--length", "100", "--samples", "2", "--method", "yarn", "--engine", "fast", "--json", b).Exit);
        double ra = (double)JsonNode.Parse(File.ReadAllText(a))!["mean_nll"]!;
        double rb = (double)JsonNode.Parse(File.ReadAllText(b))!["mean_nll"]!;
        Assert.True(Math.Abs(ra - rb) <= 1e-5 * ra, $"reference {ra} vs fast {rb}");
    }
}
