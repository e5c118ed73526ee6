using System.Text.Json.Nodes;
using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Store;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>
/// The hf export read back the way Hugging Face's longrope code reads it, written out here from its definition and
/// nothing else: for a sequence longer than original_max_position_embeddings L0,
/// inv_freq_i = 1 / (long_factor_i · rope_theta^(2i/d)), short_factor otherwise; cos and sin of p·inv_freq_i times
/// the attention factor (rope_scaling.attention_factor, else √(1 + ln(max_position_embeddings / L0) / ln L0)).
/// Those tables must be the engine's, and the engine's ppl with factors rebuilt from the config must be the ppl
/// `eval --factors best/long-L.json` prints.
/// </summary>
public class ExportHfFormulaTests
{
    /// <summary>What a Hugging Face style reader takes from config.json.</summary>
    private sealed record HfRope(double Theta, int HeadDim, int L0, int MaxPositions, double[] Long, double[] Short, double AttentionFactor);

    private static HfRope Read(string configPath)
    {
        var c = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
        var rope = c["rope_scaling"]!.AsObject();
        Assert.Equal("longrope", (string)rope["rope_type"]!);
        int headDim = c["head_dim"] is { } hd ? (int)hd : (int)c["hidden_size"]! / (int)c["num_attention_heads"]!;
        int l0 = (int)c["original_max_position_embeddings"]!;
        Assert.Equal(l0, (int)rope["original_max_position_embeddings"]!);
        int maxPositions = (int)c["max_position_embeddings"]!;
        double scale = (double)maxPositions / l0;
        double af = rope["attention_factor"] is { } a ? (double)a : scale <= 1 ? 1.0 : Math.Sqrt(1 + Math.Log(scale) / Math.Log(l0));
        return new HfRope((double)c["rope_theta"]!, headDim, l0, maxPositions,
            rope["long_factor"]!.AsArray().Select(x => (double)x!).ToArray(),
            rope["short_factor"]!.AsArray().Select(x => (double)x!).ToArray(), af);
    }

    /// <summary>cos/sin of position p, pair i for a sequence of <paramref name="seqLen"/> tokens, HF's way.</summary>
    private static (double Cos, double Sin) HfAngle(HfRope r, int seqLen, int p, int i)
    {
        var ext = seqLen > r.L0 ? r.Long : r.Short;
        double invFreq = 1.0 / (ext[i] * Math.Pow(r.Theta, 2.0 * i / r.HeadDim));
        double angle = p * invFreq;
        return (Math.Cos(angle) * r.AttentionFactor, Math.Sin(angle) * r.AttentionFactor);
    }

    private static string ExportHf(TestJob job, string target)
    {
        var to = job.File("hf-" + target);
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--target", target, "--format", "hf", "--to", to);
        Assert.True(exit == 0, stderr);
        return Path.Combine(to, "config.json");
    }

    [Theory]
    [InlineData("256")]
    [InlineData("128")]
    public void Exported_config_gives_the_engines_cos_sin_tables(string target)
    {
        using var job = new TestJob();
        var hf = Read(ExportHf(job, target));
        int length = int.Parse(target, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(length, hf.MaxPositions);
        var best = FactorFile.Load(job.Dir.BestFile(FactorKind.Long, length), 8);

        // Long sequences: the full target length.
        var table = RopeTable.Build(best, hf.Theta, hf.HeadDim, length);
        for (int p = 0; p < length; p += 7)
            for (int i = 0; i < table.Pairs; i++)
            {
                var (cos, sin) = HfAngle(hf, length, p, i);
                Assert.Equal(cos, table.Cos[p * table.Pairs + i], 1e-6);
                Assert.Equal(sin, table.Sin[p * table.Pairs + i], 1e-6);
            }

        // Sequences up to L0 use the short factors with the same attention factor: the short best file at 256,
        // whose attention factor is the 256 one (the 128 export reports the replacement, tested elsewhere).
        if (length == 256)
        {
            var shortTable = RopeTable.Build(FactorFile.Load(job.Dir.BestFile(FactorKind.Short, 64), 8), hf.Theta, hf.HeadDim, 64);
            for (int p = 0; p < 64; p += 3)
                for (int i = 0; i < shortTable.Pairs; i++)
                    Assert.Equal(HfAngle(hf, 64, p, i).Cos, shortTable.Cos[p * shortTable.Pairs + i], 1e-6);
        }
    }

    [Fact]
    public void Attention_factor_is_written_only_when_it_differs_from_the_default()
    {
        using var job = new TestJob();
        var rope256 = JsonNode.Parse(File.ReadAllText(ExportHf(job, "256")))!["rope_scaling"]!.AsObject();
        Assert.False(rope256.ContainsKey("attention_factor"));
        var rope128 = JsonNode.Parse(File.ReadAllText(ExportHf(job, "128")))!["rope_scaling"]!.AsObject();
        Assert.Equal(1.2, (double)rope128["attention_factor"]!);
    }

    [Theory]
    [InlineData("256")]
    [InlineData("128")]
    public void Engine_ppl_with_factors_rebuilt_from_the_config_is_what_eval_prints(string target)
    {
        using var job = new TestJob();
        var hf = Read(ExportHf(job, target));
        int length = hf.MaxPositions;
        var evalJson = job.File("eval.json");
        var (exit, _, stderr) = TestJob.Cli("eval", "--model", TestJob.Model, "--data", RepoPaths.ValidationData, "--length", target,
            "--samples", "4", "--factors", job.Dir.BestFile(FactorKind.Long, length), "--threads", "2", "--json", evalJson);
        Assert.True(exit == 0, stderr);
        double evalPpl = (double)JsonNode.Parse(File.ReadAllText(evalJson))!["ppl"]!;

        var rebuilt = new FactorSet(hf.Long, 0, hf.AttentionFactor);
        using var folder = ModelFolder.Open(TestJob.Model);
        using var scorer = new PerplexityScorer(folder.Weights, new ForwardPassOptions { Kind = ForwardPassKind.Fast, Threads = 2 });
        var samples = SampleSet.Load(RepoPaths.ValidationData, length, 4, folder.Tokenizer);
        double ppl = scorer.Evaluate(samples, rebuilt).Ppl;
        Assert.Equal(evalPpl, ppl, 1e-9 * evalPpl);
    }
}
