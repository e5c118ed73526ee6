using System.Globalization;
using System.Text.Json.Nodes;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.TestSupport;
using Xunit;
using Xunit.Abstractions;

namespace LongRopeSearch.Engine.Tests;

/// <summary>
/// Both forward passes against the float64 PyTorch fixtures tests/fixtures/nll/*.json (tools/make_fixtures.py): mean and
/// per-sample NLL within 1e-4 relative. One case per fixture file, found when the tests are discovered.
/// </summary>
public sealed class FixtureNllTests(ITestOutputHelper output)
{
    private const double RelativeTolerance = 1e-4;

    private static string NllDirectory => Path.Combine(RepoPaths.Fixtures, "nll");

    private static string[] FixtureFiles() => Directory.Exists(NllDirectory)
        ? Directory.GetFiles(NllDirectory, "*.json").Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray()
        : [];

    public static TheoryData<string> Cases()
    {
        var data = new TheoryData<string>();
        foreach (var f in FixtureFiles()) data.Add(f);
        return data;
    }

    /// <summary>GUARD: fails on purpose when the fixtures are missing, so the suite cannot pass without checking them.</summary>
    [Fact]
    public void Fixtures_are_present()
    {
        Assert.True(FixtureFiles().Length > 0,
            $"no *.json in {NllDirectory}: generate them with /usr/bin/python3 tools/make_fixtures.py (both forward passes are checked against them)");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reference_forward_matches_the_float64_fixture(string file) => Check(file, ForwardPassKind.Reference);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Fast_forward_matches_the_float64_fixture(string file) => Check(file, ForwardPassKind.Fast);

    private void Check(string file, ForwardPassKind kind)
    {
        var path = Path.Combine(NllDirectory, file);
        var fx = JsonNode.Parse(File.ReadAllText(path)) ?? throw new InvalidDataException(path);
        int length = fx["length"]!.GetValue<int>();
        int count = fx["samples"]!.GetValue<int>();
        var expectedPerSample = fx["per_sample_nll"]!.AsArray().Select(v => v!.GetValue<double>()).ToArray();
        var expectedTokens = fx["per_token_nll"]!.AsArray().Select(a => a!.AsArray().Select(v => v!.GetValue<double>()).ToArray()).ToArray();
        var expectedMean = fx["mean_nll"]!.GetValue<double>();

        using var folder = ModelFolder.Open(RepoPath(fx["model"]!.GetValue<string>()));
        var factors = Factors(fx, folder.Config, length, path);
        var set = SampleSet.Load(RepoPath(fx["data"]!.GetValue<string>()), length, count, folder.Tokenizer);
        if (fx["documents"] is JsonArray docs)
            Assert.Equal(docs.Select(d => Path.GetFileName(d!.GetValue<string>())), set.Samples.Select(s => s.Document));

        using var scorer = new PerplexityScorer(folder.Weights, new ForwardPassOptions { Kind = kind, Threads = Environment.ProcessorCount });
        var tokens = new double[count][];
        var result = scorer.EvaluateTokens(set, factors, (i, nll) => tokens[i] = nll);

        double worstToken = 0;
        int worstSample = 0, worstPosition = 0;
        for (int i = 0; i < count; i++)
        {
            Assert.Equal(length - 1, expectedTokens[i].Length);
            for (int t = 0; t < length - 1; t++)
            {
                var diff = Math.Abs(tokens[i][t] - expectedTokens[i][t]);
                if (diff > worstToken) (worstToken, worstSample, worstPosition) = (diff, i, t);
            }
        }
        var report = string.Create(CultureInfo.InvariantCulture,
            $"{file} [{scorer.ForwardPass.GetType().Name}] L={length} K={count}: mean {result.MeanNll:R} vs {expectedMean:R} " +
            $"(diff {Math.Abs(result.MeanNll - expectedMean):E2}); largest per-token |diff| {worstToken:E2} at sample {worstSample} position {worstPosition}; " +
            $"{result.Seconds:F1} s");
        output.WriteLine(report);

        Assert.False(result.Abandoned);
        Assert.Equal(count, result.PerSampleNll.Length);
        Assert.True(Math.Abs(result.MeanNll - expectedMean) <= RelativeTolerance * Math.Abs(expectedMean), "mean NLL: " + report);
        for (int i = 0; i < count; i++)
        {
            var e = expectedPerSample[i];
            Assert.True(Math.Abs(result.PerSampleNll[i] - e) <= RelativeTolerance * Math.Abs(e),
                string.Create(CultureInfo.InvariantCulture, $"sample {i}: {result.PerSampleNll[i]:R} vs {e:R}; ") + report);
        }
    }

    /// <summary>
    /// The fixture's factor set; "as published" means the model's own rope_scaling at this length, which
    /// <see cref="PublishedScaling.FactorsAt"/> must give exactly as tools/torch_llama.py computed it (its λ and attention
    /// factor are in the fixture's "published" block) before the forward passes are compared.
    /// </summary>
    private static FactorSet Factors(JsonNode fx, ModelConfig config, int length, string path)
    {
        var f = fx["factors"]!;
        if (f is JsonValue v && v.GetValue<string>() == "as published")
        {
            var published = config.RopeScaling ?? throw new InvalidDataException($"{path}: \"as published\" but {config.SourcePath} has no rope scaling");
            var p = fx["published"]!;
            Assert.Equal(p["rope_type"]!.GetValue<string>(), published.Type);
            var expected = p["factors"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray();
            var actual = published.FactorsAt(length);
            Assert.Equal(expected.Length, actual.Pairs);
            for (int i = 0; i < expected.Length; i++)
                Assert.True(Math.Abs(actual.Lambda[i] - expected[i]) <= 1e-12 * expected[i], $"{path}: λ[{i}] {actual.Lambda[i]:R} vs {expected[i]:R}");
            Assert.Equal(p["attention_factor"]!.GetValue<double>(), actual.AttentionFactor, 12);
            Assert.Equal(0, actual.NHat);
            return actual;
        }
        return new FactorSet(
            f["factors"]!.AsArray().Select(x => x!.GetValue<double>()).ToArray(),
            f["n_hat"]!.GetValue<int>(),
            f["attention_factor"]!.GetValue<double>(),
            path);
    }

    private static string RepoPath(string relative) => RepoPaths.Combine(relative.Split('/'));
}
