using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.Exports;
using LongRopeSearch.Store.Validation;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Store.Tests;

/// <summary>The csv and json exports and the best-file lookup.</summary>
public class ExportFilesTests
{
    private static readonly FactorSet LongSet = new([1.0, 1.2345678901234567, 3.5, 7.25], 0, 1.1547005383792517);
    private static readonly FactorSet ShortSet = new([1.0, 1.0, 1.01, 1.07], 0, 1.1547005383792517);

    [Fact]
    public void Csv_round_trips_through_FactorFile_Load()
    {
        using var dir = new TempDir();
        var written = LongRopeCsvExport.Write(dir.PathName, LongSet, ShortSet);
        Assert.Equal([dir.File("long_factor.csv"), dir.File("short_factor.csv")], written);
        Assert.Equal(LongSet.Lambda, FactorFile.Load(written[0], 4).Lambda);
        Assert.Equal(ShortSet.Lambda, FactorFile.Load(written[1], 4).Lambda);
        // One factor per line, nothing else: LongRoPE's own loaders read it.
        Assert.Equal(4, File.ReadAllLines(written[0]).Length);
        Assert.Single(LongRopeCsvExport.Write(dir.PathName, LongSet, null));
    }

    [Fact]
    public void Json_export_is_a_factor_file_with_the_context_beside_it()
    {
        using var dir = new TempDir();
        var table = new ValidationTable("target 256", FactorKind.Long, 256, 2, 4,
        [
            new ValidationRow("longrope (searched)", LongSet.Lambda, 0, LongSet.AttentionFactor, Math.Log(11.5), 11.5, Math.Log(12.25), 12.25, [Math.Log(12.0), Math.Log(12.5)]),
            new ValidationRow("pi", [4.0, 4.0, 4.0, 4.0], 0, 1.0, Math.Log(13.0), 13.0, Math.Log(14.5), 14.5, [Math.Log(14.0), Math.Log(15.0)]),
        ]);
        var input = new JsonExportInput
        {
            JobId = "job-1",
            Long = LongSet,
            Short = ShortSet,
            TargetLength = 256,
            OriginalLength = 64,
            ShortLength = 64,
            LongSource = "/j/best/long-256.json",
            ShortSource = "/j/best/short-64.json",
            ModelPath = "/models/tiny",
            ModelConfig = new JsonObject { ["model_type"] = "llama", ["head_dim"] = 8, ["rope_theta"] = 10000.0, ["secret_field"] = 1 },
            Validation = table,
            SpacePath = "/spaces/s.json",
            Space = new JsonObject { ["population"] = 12, ["seed"] = 3 },
            Seed = 3,
        };
        var path = dir.File("longrope-256.json");
        LongRopeJsonExport.Write(path, LongRopeJsonExport.Build(input));

        var read = FactorFile.Load(path, 4);
        Assert.Equal(LongSet, read);

        var doc = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        Assert.Equal(256, (int)doc["target_length"]!);
        Assert.Equal(4.0, (double)doc["scale"]!);
        Assert.Equal(ShortSet.Lambda, doc["short"]!["factors"]!.AsArray().Select(x => (double)x!).ToArray());
        Assert.Equal("/models/tiny", (string)doc["model"]!["path"]!);
        Assert.Equal(8, (int)doc["model"]!["config"]!["head_dim"]!);
        Assert.False(doc["model"]!["config"]!.AsObject().ContainsKey("secret_field"));
        var rows = doc["validation"]!["rows"]!.AsArray();
        Assert.Equal(2, rows.Count);
        Assert.Equal(14.5, (double)rows[1]!["validation_ppl"]!);
        Assert.Equal(12, (int)doc["search"]!["space"]!["population"]!);
        Assert.Equal(3UL, (ulong)doc["search"]!["seed"]!);
        Assert.Null(doc["short_validation"]);
    }

    [Fact]
    public void Best_files_are_listed_and_selected()
    {
        using var dir = new TempDir();
        var best = Directory.CreateDirectory(dir.File("best")).FullName;
        foreach (var name in new[] { "long-256.json", "long-256.deployable.json", "long-128.json", "short-64.json", "short-64.deployable.json", "notes.json", "long-x.json", "long-128.other.json" })
            File.WriteAllText(Path.Combine(best, name), "{}");
        var files = BestFactorFiles.List(best);
        Assert.Equal([(FactorKind.Long, 128, false), (FactorKind.Long, 256, false), (FactorKind.Long, 256, true), (FactorKind.Short, 64, false), (FactorKind.Short, 64, true)],
            files.Select(f => (f.Kind, f.Length, f.Deployable)).ToArray());
        Assert.Equal(Path.Combine(best, "long-256.deployable.json"), BestFactorFiles.DeployableOf(files, files[1])!.Path);
        Assert.Null(BestFactorFiles.DeployableOf(files, files[0]));
        Assert.Equal("short-64.deployable.json", BestFactorFiles.FileName(FactorKind.Short, 64, deployable: true));
        Assert.Equal(256, BestFactorFiles.SelectLong(files, null, dir.PathName).Length);
        Assert.Equal(128, BestFactorFiles.SelectLong(files, 128, dir.PathName).Length);
        Assert.Equal(64, BestFactorFiles.SelectShort(files)!.Length);

        var e = Assert.Throws<InputException>(() => BestFactorFiles.SelectLong(files, 512, dir.PathName));
        Assert.Contains("128, 256", e.Message, StringComparison.Ordinal);
        Assert.Contains("512", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void No_best_file_is_a_clear_error()
    {
        using var dir = new TempDir();
        var files = BestFactorFiles.List(dir.File("best"));
        Assert.Empty(files);
        var e = Assert.Throws<InputException>(() => BestFactorFiles.SelectLong(files, null, dir.PathName));
        Assert.Contains("best/long-<L>.json", e.Message, StringComparison.Ordinal);
        Assert.Contains("longrope status", e.Message, StringComparison.Ordinal);
        Assert.Null(BestFactorFiles.SelectShort(files));
    }
}
