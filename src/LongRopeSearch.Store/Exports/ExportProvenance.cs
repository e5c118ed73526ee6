using System.Globalization;
using System.Text.Json.Nodes;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Store.Exports;

/// <summary>A factor set as an export sees it: the set, where it comes from and how it scored.</summary>
/// <param name="Source">A best file, or "state.json (running stage)" for a best-so-far export.</param>
/// <param name="SearchPpl">Its ppl on the stage's search samples, when known.</param>
/// <param name="ValidationPpl">Its ppl on the stage's validation samples, when the stage's table has its row.</param>
public sealed record ExportedSet(FactorSet Factors, string Source, double? SearchPpl, double? ValidationPpl);

/// <summary>
/// What an export took for one stage and what it gave up: the exported set (by default the best deployable one, n̂ = 0)
/// beside the stage's best overall, whose n̂ &gt; 0 no inference stack can run.
/// </summary>
public sealed record StageExport(FactorKind Kind, int Length, ExportedSet Exported, ExportedSet BestOverall)
{
    public bool IsBestOverall => Exported.Factors.Equals(BestOverall.Factors);

    /// <summary>"best deployable (n̂ = 0)", "best (n̂ = 0)" or "best overall (n̂ = 12)".</summary>
    public string Label => IsBestOverall
        ? Inv($"best (n̂ = {Exported.Factors.NHat})") + (Exported.Factors.NHat == 0 ? "" : " overall")
        : "best deployable (n̂ = 0)";

    /// <summary>"target 2048" / "short 512".</summary>
    public string StageName => Kind.StageName(Length);

    /// <summary>
    /// What the exported set costs against the best overall, in one sentence, or null when it is the best overall:
    /// "search ppl 5.8012 against 5.7100 for the best overall (n̂ = 12): +1.60%; validation ppl …".
    /// </summary>
    public string? CostText()
    {
        if (IsBestOverall) return null;
        var parts = new List<string>();
        if (Compare(Exported.SearchPpl, BestOverall.SearchPpl) is { } s) parts.Add("search ppl " + s);
        if (Compare(Exported.ValidationPpl, BestOverall.ValidationPpl) is { } v) parts.Add("validation ppl " + v);
        var cost = parts.Count > 0 ? string.Join("; ", parts) : "its perplexity against the best overall is not recorded";
        return Inv($"{StageName}: the {Label} set is exported, not the best overall (n̂ = {BestOverall.Factors.NHat}, which no inference stack can run): {cost}");
    }

    public JsonObject ToJson()
    {
        var o = new JsonObject
        {
            ["stage"] = Kind.Text(),
            ["length"] = Length,
            ["set"] = Label,
            ["source"] = Exported.Source,
            ["n_hat"] = Exported.Factors.NHat,
            ["search_ppl"] = Exported.SearchPpl,
            ["validation_ppl"] = Exported.ValidationPpl,
        };
        if (!IsBestOverall)
        {
            o["best_overall"] = new JsonObject
            {
                ["factors"] = new JsonArray(BestOverall.Factors.Lambda.Select(x => (JsonNode)JsonValue.Create(x)).ToArray()),
                ["n_hat"] = BestOverall.Factors.NHat,
                ["attention_factor"] = BestOverall.Factors.AttentionFactor,
                ["source"] = BestOverall.Source,
                ["search_ppl"] = BestOverall.SearchPpl,
                ["validation_ppl"] = BestOverall.ValidationPpl,
            };
            o["search_ppl_increase"] = Increase(Exported.SearchPpl, BestOverall.SearchPpl);
            o["validation_ppl_increase"] = Increase(Exported.ValidationPpl, BestOverall.ValidationPpl);
        }
        return o;
    }

    private static string? Compare(double? exported, double? best) =>
        exported is { } e && best is { } b
            ? Inv($"{e:0.0000} against {b:0.0000} for the best overall, {100 * (e / b - 1):+0.00;-0.00}%")
            : null;

    /// <summary>Relative increase e / b − 1 (0.016 = +1.6%), or null when either is unknown.</summary>
    private static double? Increase(double? exported, double? best) => exported is { } e && best is { } b ? e / b - 1 : null;

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// Where an export's factors come from, recorded in every exported file (config.json's "longrope_search", the json
/// export's "provenance", the GGUF's general.description) and printed on the terminal: the job, the target, the
/// switch point, which set of each stage was taken and what that costs, and whether the search had finished.
/// </summary>
/// <param name="Progress">Null for a finished target; for a best-so-far export, e.g. "best so far, generation 12 of 41 of target 4096, not final".</param>
public sealed record ExportProvenance(string JobId, int OriginalLength, int TargetLength, int SwitchLength, string? Progress, StageExport Long, StageExport? Short)
{
    public bool IsFinal => Progress is null;

    /// <summary>"final" or the best-so-far description.</summary>
    public string Status => Progress ?? "final";

    /// <summary>The cost sentences of the stages whose exported set is not the best overall.</summary>
    public IEnumerable<string> CostTexts() => new[] { Long.CostText(), Short?.CostText() }.OfType<string>();

    public JsonObject ToJson() => new()
    {
        ["job_id"] = JobId,
        ["status"] = Status,
        ["target_length"] = TargetLength,
        ["original_length"] = OriginalLength,
        ["switch_length"] = SwitchLength,
        ["long"] = Long.ToJson(),
        ["short"] = Short?.ToJson(),
    };

    /// <summary>One line for formats with a free-text field (GGUF general.description).</summary>
    public string Describe() => string.Create(CultureInfo.InvariantCulture,
        $"LongRoPE factors found by longrope, job {JobId}: target {TargetLength} ({Long.Label}){(Short is { } s ? $", short factors at {s.Length} ({s.Label})" : ", no short factors")}, switch point {SwitchLength}; {Status}");
}
