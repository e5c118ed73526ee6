using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;

namespace LongRopeSearch.Jobs;

/// <summary>validation.json: for each finished stage, every method's ppl on the search and the validation samples.</summary>
public static class ValidationReport
{
    public static void Write(string path, IReadOnlyList<StageValidation> stages, string jobId)
    {
        var doc = new JsonObject
        {
            ["job_id"] = jobId,
            ["stages"] = new JsonArray(stages.Select(s => (JsonNode)new JsonObject
            {
                ["stage"] = s.Stage,
                ["kind"] = s.Kind,
                ["length"] = s.Length,
                ["search_samples"] = s.SearchSamples,
                ["validation_samples"] = s.ValidationSamples,
                ["rows"] = new JsonArray(s.Rows.Select(r => (JsonNode)new JsonObject
                {
                    ["method"] = r.Method,
                    ["lambda"] = new JsonArray(r.Lambda.Select(x => (JsonNode)x).ToArray()),
                    ["n_hat"] = r.NHat,
                    ["attention_factor"] = r.AttentionFactor,
                    ["search_nll"] = r.SearchNll,
                    ["search_ppl"] = r.SearchPpl,
                    ["validation_nll"] = r.ValidationNll,
                    ["validation_ppl"] = r.ValidationPpl,
                    ["validation_per_sample_nll"] = new JsonArray(r.ValidationPerSampleNll.Select(x => (JsonNode)x).ToArray()),
                }).ToArray()),
            }).ToArray()),
        };
        AtomicFile.WriteAllText(path, doc.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>Reads validation.json back (report, export).</summary>
    public static IReadOnlyList<StageValidation> Read(string path)
    {
        if (!File.Exists(path)) return [];
        try
        {
            var o = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
            return o["stages"]!.AsArray().Select(s => new StageValidation
            {
                Stage = (string)s!["stage"]!,
                Kind = (string)s["kind"]!,
                Length = (int)s["length"]!,
                SearchSamples = (int)s["search_samples"]!,
                ValidationSamples = (int)s["validation_samples"]!,
                Rows = s["rows"]!.AsArray().Select(r => new MethodScore
                {
                    Method = (string)r!["method"]!,
                    Lambda = r["lambda"]!.AsArray().Select(x => (double)x!).ToArray(),
                    NHat = (int)r["n_hat"]!,
                    AttentionFactor = (double)r["attention_factor"]!,
                    SearchNll = (double)r["search_nll"]!,
                    SearchPpl = (double)r["search_ppl"]!,
                    ValidationNll = (double)r["validation_nll"]!,
                    ValidationPpl = (double)r["validation_ppl"]!,
                    ValidationPerSampleNll = r["validation_per_sample_nll"]!.AsArray().Select(x => (double)x!).ToArray(),
                }).ToList(),
            }).ToList();
        }
        catch (Exception e) when (e is JsonException or NullReferenceException or InvalidOperationException or FormatException)
        {
            throw new InputException(path, "", "a validation.json written by this tool", e.Message, e);
        }
    }
}
