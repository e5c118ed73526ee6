using System.Text.Json.Nodes;
using LongRopeSearch.Engine;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using LongRopeSearch.Store;
using LongRopeSearch.Store.Validation;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>
/// The hf export of a real search read back the way Hugging Face's longrope code reads it, written out here from its
/// source and nothing else (modeling_rope_utils.py: _compute_longrope_parameters and the model's
/// longrope_frequency_update):
/// <list type="bullet">
/// <item>transformers 4.x: the dict is config.rope_scaling; the base is the top-level rope_theta; the switch point is
/// the top-level original_max_position_embeddings.</item>
/// <item>transformers 5.x: the dict is rope_scaling when the file has one (convert_rope_params_to_dict prefers it), else
/// rope_parameters; the base is the dict's rope_theta (read here only from inside the dict, so a section without it
/// fails instead of silently using the class default); the switch point is the top-level field when present, else the
/// dict's.</item>
/// </list>
/// Both then compute, for a sequence of n tokens, inv_freq_i = 1 / (ext_i · base^(2i/d)) with ext = long_factor when
/// n &gt; switch, else short_factor, and cos/sin times the attention factor (the dict's attention_factor, else
/// √(1 + ln(max_position_embeddings / switch) / ln switch)). From the exported config alone, each reading must give the
/// engine's tables and reproduce the perplexity the search reported for the short stage at its length and for the
/// long stage at its length (the exported sets: each stage's best deployable one).
/// </summary>
public class ExportHfFormulaTests
{
    /// <summary>What a Hugging Face reader takes from config.json.</summary>
    private sealed record HfRope(double Theta, int HeadDim, int Switch, int MaxPositions, double[] Long, double[] Short, double AttentionFactor)
    {
        public double[] FactorsFor(int seqLen) => seqLen > Switch ? Long : Short;
    }

    public static TheoryData<string> Readings => new() { "v4", "v5 rope_scaling", "v5 rope_parameters" };

    private static HfRope Read(JsonObject c, string reading)
    {
        int headDim = c["head_dim"] is { } hd ? (int)hd : (int)c["hidden_size"]! / (int)c["num_attention_heads"]!;
        int maxPositions = (int)c["max_position_embeddings"]!;
        JsonObject rope;
        double theta;
        int switchPoint;
        if (reading == "v4")
        {
            rope = c["rope_scaling"]!.AsObject();
            theta = (double)c["rope_theta"]!;
            switchPoint = (int)c["original_max_position_embeddings"]!;
        }
        else
        {
            // "v5 rope_parameters": a file whose rope_scaling a tool dropped, or a reader that prefers rope_parameters.
            rope = (reading == "v5 rope_scaling" ? c["rope_scaling"] : c["rope_parameters"])!.AsObject();
            Assert.True(rope.ContainsKey("rope_theta"), $"{reading}: the rope section has no rope_theta (transformers 5 would use its class default)");
            theta = (double)rope["rope_theta"]!;
            switchPoint = c["original_max_position_embeddings"] is { } top ? (int)top : (int)rope["original_max_position_embeddings"]!;
        }
        Assert.Equal("longrope", (string)rope["rope_type"]!);
        double factor = (double)maxPositions / switchPoint;
        double af = rope["attention_factor"] is { } a ? (double)a : factor <= 1 ? 1.0 : Math.Sqrt(1 + Math.Log(factor) / Math.Log(switchPoint));
        return new HfRope(theta, headDim, switchPoint, maxPositions,
            rope["long_factor"]!.AsArray().Select(x => (double)x!).ToArray(),
            rope["short_factor"]!.AsArray().Select(x => (double)x!).ToArray(), af);
    }

    /// <summary>cos/sin of position p, pair i for a sequence of <paramref name="seqLen"/> tokens, HF's way.</summary>
    private static (double Cos, double Sin) HfAngle(HfRope r, int seqLen, int p, int i)
    {
        double invFreq = 1.0 / (r.FactorsFor(seqLen)[i] * Math.Pow(r.Theta, 2.0 * i / r.HeadDim));
        double angle = p * invFreq;
        return (Math.Cos(angle) * r.AttentionFactor, Math.Sin(angle) * r.AttentionFactor);
    }

    /// <summary>The factor set a reader applies to a sequence of <paramref name="seqLen"/> tokens (n̂ = 0: no stack has one).</summary>
    private static FactorSet Applied(HfRope r, int seqLen) => new(r.FactorsFor(seqLen), 0, r.AttentionFactor);

    private static readonly Lazy<JsonObject> Exported = new(() =>
    {
        var job = SearchedJob.Value;
        var to = job.Scratch("hf");
        var (exit, _, stderr) = TestJob.Cli("export", "--out", job.Dir.Root, "--format", "hf", "--to", to);
        Assert.True(exit == 0, stderr);
        return JsonNode.Parse(File.ReadAllText(Path.Combine(to, "config.json")))!.AsObject();
    });

    /// <summary>The set the export took for a stage: its deployable file (the search writes one for every stage with a full n̂ = 0 evaluation).</summary>
    private static FactorSet ExportedSet(FactorKind kind) => FactorFile.Load(SearchedJob.Value.Best(kind, deployable: true), 8);

    [Theory]
    [MemberData(nameof(Readings))]
    public void Each_reading_gives_the_engines_cos_sin_tables_for_both_stages(string reading)
    {
        var hf = Read(Exported.Value, reading);
        Assert.Equal(SearchedJob.Target, hf.MaxPositions);
        // The switch point is where the short factors were searched, so both stages run the set they were scored with.
        Assert.Equal(SearchedJob.ShortLength, hf.Switch);
        foreach (var (kind, length) in new[] { (FactorKind.Long, SearchedJob.Target), (FactorKind.Short, SearchedJob.ShortLength) })
        {
            var table = RopeTable.Build(ExportedSet(kind), hf.Theta, hf.HeadDim, length);
            for (int p = 0; p < length; p += 5)
                for (int i = 0; i < table.Pairs; i++)
                {
                    var (cos, sin) = HfAngle(hf, length, p, i);
                    Assert.Equal(cos, table.Cos[p * table.Pairs + i], 1e-6);
                    Assert.Equal(sin, table.Sin[p * table.Pairs + i], 1e-6);
                }
        }
    }

    [Theory]
    [MemberData(nameof(Readings))]
    public void Each_reading_reproduces_the_reported_ppl_of_the_short_and_the_long_stage(string reading)
    {
        var hf = Read(Exported.Value, reading);
        var job = SearchedJob.Value;
        var tables = ValidationFile.Read(job.Dir.Validation)!.Stages;
        using var folder = ModelFolder.Open(SearchedJob.Model);
        using var scorer = new PerplexityScorer(folder.Weights, new ForwardPassOptions { Kind = ForwardPassKind.Fast, Threads = 2 });
        foreach (var (kind, length) in new[] { (FactorKind.Long, SearchedJob.Target), (FactorKind.Short, SearchedJob.ShortLength) })
        {
            var rebuilt = Applied(hf, length);
            // Reported by the search: the deployable file's search ppl, and the validation table's row of that set.
            var reportedSearch = (double)JsonNode.Parse(File.ReadAllText(job.Best(kind, deployable: true)))!["search_ppl"]!;
            var table = tables.Single(t => t.Kind == kind && t.Length == length);
            var row = table.Rows.Single(r => r.Method.StartsWith("longrope", StringComparison.Ordinal) && r.NHat == 0
                && r.Lambda.SequenceEqual(ExportedSet(kind).Lambda));

            var search = scorer.Evaluate(SampleSet.Load(RepoPaths.SearchData, length, SearchedJob.SearchSamples, folder.Tokenizer), rebuilt).Ppl;
            var validation = scorer.Evaluate(SampleSet.Load(RepoPaths.ValidationData, length, SearchedJob.ValidationSamples, folder.Tokenizer), rebuilt).Ppl;
            Assert.Equal(reportedSearch, search, 1e-12 * reportedSearch);
            Assert.Equal(row.ValidationPpl, validation, 1e-12 * validation);
        }
    }

    [Fact]
    public void The_readings_without_the_switch_fix_would_not_reproduce_the_short_stage()
    {
        // The control: with the switch point at L0 (the old export), a 128-token sequence gets the long factors, and
        // the short stage's reported ppl is not reproduced — the comparison above can fail.
        var hf = Read(Exported.Value, "v4") with { Switch = SearchedJob.L0 };
        var job = SearchedJob.Value;
        var reported = (double)JsonNode.Parse(File.ReadAllText(job.Best(FactorKind.Short, deployable: true)))!["search_ppl"]!;
        using var folder = ModelFolder.Open(SearchedJob.Model);
        using var scorer = new PerplexityScorer(folder.Weights, new ForwardPassOptions { Kind = ForwardPassKind.Fast, Threads = 2 });
        var ppl = scorer.Evaluate(SampleSet.Load(RepoPaths.SearchData, SearchedJob.ShortLength, SearchedJob.SearchSamples, folder.Tokenizer),
            Applied(hf, SearchedJob.ShortLength)).Ppl;
        Assert.True(Math.Abs(ppl / reported - 1) > 1e-4, $"the long factors at {SearchedJob.ShortLength} gave the short stage's ppl {reported}");
    }
}
