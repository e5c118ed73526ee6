using System.Text.Json.Nodes;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.Exports;
using LongRopeSearch.Store.Validation;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Store.Tests;

/// <summary>What an export says about the set it took: the deployable one's cost against the best overall, and the status.</summary>
public class ExportProvenanceTests
{
    private static readonly FactorSet BestSet = new([1.0, 2.0, 3.0, 4.0], 12, 1.2);
    private static readonly FactorSet DeployableSet = new([1.0, 2.0, 3.5, 4.0], 0, 1.2);

    private static StageExport Stage(FactorSet exported, double? exportedVal = 6.5) => new(FactorKind.Long, 2048,
        new ExportedSet(exported, "/j/best/long-2048.deployable.json", 5.8, exportedVal),
        new ExportedSet(BestSet, "/j/best/long-2048.json", 5.0, 6.25));

    [Fact]
    public void The_deployable_set_states_its_cost_against_the_best_overall()
    {
        var s = Stage(DeployableSet);
        Assert.False(s.IsBestOverall);
        Assert.Equal("best deployable (n̂ = 0)", s.Label);
        var cost = s.CostText()!;
        // 5.8 / 5.0 − 1 = +16%, 6.5 / 6.25 − 1 = +4%: written here, not computed by the code under test.
        Assert.Contains("search ppl 5.8000 against 5.0000 for the best overall, +16.00%", cost, StringComparison.Ordinal);
        Assert.Contains("validation ppl 6.5000 against 6.2500 for the best overall, +4.00%", cost, StringComparison.Ordinal);
        Assert.Contains("n̂ = 12", cost, StringComparison.Ordinal);

        var json = s.ToJson();
        Assert.Equal(0.16, (double)json["search_ppl_increase"]!, 12);
        Assert.Equal(0.04, (double)json["validation_ppl_increase"]!, 12);
        Assert.Equal(12, (int)json["best_overall"]!["n_hat"]!);
        Assert.Equal(BestSet.Lambda, json["best_overall"]!["factors"]!.AsArray().Select(x => (double)x!).ToArray());
    }

    [Fact]
    public void The_best_overall_has_no_cost_and_unknown_ppl_is_said()
    {
        var best = new StageExport(FactorKind.Long, 2048, new ExportedSet(DeployableSet, "f", 5.0, null), new ExportedSet(DeployableSet, "f", 5.0, null));
        Assert.True(best.IsBestOverall);
        Assert.Null(best.CostText());
        Assert.Equal("best (n̂ = 0)", best.Label);
        Assert.False(best.ToJson().ContainsKey("best_overall"));

        var noValidation = Stage(DeployableSet, exportedVal: null).CostText()!;
        Assert.Contains("search ppl", noValidation, StringComparison.Ordinal);
        Assert.DoesNotContain("validation ppl", noValidation, StringComparison.Ordinal);
    }

    [Fact]
    public void Status_is_final_or_the_best_so_far_label_everywhere()
    {
        var final = new ExportProvenance("job", 256, 2048, 512, null, Stage(DeployableSet), null);
        Assert.True(final.IsFinal);
        Assert.Equal("final", (string)final.ToJson()["status"]!);
        Assert.Equal(512, (int)final.ToJson()["switch_length"]!);
        Assert.Contains("final", final.Describe(), StringComparison.Ordinal);

        const string label = "best so far, generation 3 of 40 (target 2048), not final";
        var running = final with { Progress = label };
        Assert.Equal(label, (string)running.ToJson()["status"]!);
        Assert.EndsWith(label, running.Describe(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_json_export_records_status_switch_point_and_provenance()
    {
        using var dir = new TempDir();
        var provenance = new ExportProvenance("job-1", 64, 256, 128, "best so far, generation 2 of 4 (target 256), not final", Stage(DeployableSet), null);
        var doc = LongRopeJsonExport.Build(new JsonExportInput
        {
            JobId = "job-1", Long = DeployableSet, TargetLength = 256, OriginalLength = 64, LongSource = "s", ModelPath = "m",
            ModelConfig = new JsonObject(), SpacePath = "p", Provenance = provenance,
        });
        Assert.Equal("best so far, generation 2 of 4 (target 256), not final", (string)doc["status"]!);
        Assert.Equal(128, (int)doc["switch_length"]!);
        Assert.Equal(12, (int)doc["provenance"]!["long"]!["best_overall"]!["n_hat"]!);
        Assert.Equal(0, (int)doc["n_hat"]!);
    }

    [Fact]
    public void A_validation_file_written_before_the_L0_column_still_reads()
    {
        using var dir = new TempDir();
        var path = dir.File("validation.json");
        // The shape validation.json had before: no original_length, no at_l0_validation_*.
        File.WriteAllText(path, """
            { "job_id": "j", "stages": [ { "stage": "target 128", "kind": "long", "length": 128, "search_samples": 2, "validation_samples": 4,
              "rows": [ { "method": "none", "lambda": [1.0], "n_hat": 0, "attention_factor": 1.0, "search_nll": 1.0, "search_ppl": 2.718281828459045,
                          "validation_nll": 1.0, "validation_ppl": 2.718281828459045, "validation_per_sample_nll": [1.0] } ] } ] }
            """);
        var file = ValidationFile.Read(path)!;
        var row = Assert.Single(file.Stages[0].Rows);
        Assert.Null(row.AtL0ValidationPpl);
        Assert.Null(file.Stages[0].OriginalLength);
        Assert.Same(row, file.Stages[0].Row(ValidationRow.NoneMethod));
    }
}
