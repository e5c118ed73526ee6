using System.Globalization;
using System.Text;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.Validation;

namespace LongRopeSearch.Store.Reports;

/// <summary>
/// report.html of a job: one self-contained page (inline CSS and SVG, no scripts, no fonts or files fetched from
/// anywhere) with the job summary, ppl against length for the searched factors and the classic methods, the search's
/// best ppl per generation, the factors themselves and the validation tables. Pure: data in, text out.
/// </summary>
public static class HtmlReport
{
    public static string Render(ReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        var colors = ReportCharts.Colors(data);
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        sb.Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        sb.Append($"<title>LongRoPE search report: {E(data.JobId)}</title>\n<style>\n{ReportStyle.Css}</style>\n</head>\n<body>\n<main>\n");
        sb.Append($"<header><h1>LongRoPE search report <span class=\"job\">{E(data.JobId)}</span></h1>\n");
        sb.Append($"<p class=\"meta\">generated {E(data.GeneratedAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture))}</p></header>\n");

        AppendSummary(sb, data);

        sb.Append("<section id=\"sweep\">\n<h2>Perplexity against length</h2>\n");
        sb.Append(Inv($"<p class=\"note\">Each factor set scored on the first {data.SweepSamples} validation documents at every length shown (L0 = {data.OriginalLength}); solid lines are the searched factors, dashed lines the classic methods at the largest target's scale. An inference stack using the hf or gguf export applies the short factors up to the length they were searched at (L0 without short factors) and the long ones beyond; vLLM and llama.cpp with a long context run the long factors at every length.</p>\n"));
        if (data.Sweep.Count > 0 && data.Sweep.Any(s => s.Points.Count > 0))
        {
            sb.Append("<figure>").Append(SvgLineChart.Render(ReportCharts.Sweep(data, colors))).Append("</figure>\n");
            AppendSweepTable(sb, data);
        }
        else sb.Append("<p class=\"empty\">No lengths were evaluated.</p>\n");
        sb.Append("</section>\n");

        sb.Append("<section id=\"progress\">\n<h2>Search progress</h2>\n");
        sb.Append("<p class=\"note\">Solid: each stage's best perplexity so far (the best of its population); dashed: the best candidate scored in that generation. Abandoned candidates (stopped early, ppl over part of the samples) are left out.</p>\n");
        if (data.HistoryProblem is { } problem) sb.Append("<p class=\"empty\">").Append(E(problem)).Append("</p>\n");
        else if (data.History.Generations.Count > 0)
            sb.Append("<figure>").Append(SvgLineChart.Render(ReportCharts.Generations(data))).Append("</figure>\n");
        else sb.Append("<p class=\"empty\">history.parquet has no evaluations yet.</p>\n");
        sb.Append("</section>\n");

        if (data.Factors.Count > 0)
        {
            sb.Append("<section id=\"factors\">\n<h2>Factors</h2>\n<figure>");
            sb.Append(SvgLineChart.Render(ReportCharts.Factors(data, colors))).Append("</figure>\n</section>\n");
        }

        sb.Append("<section id=\"validation\">\n<h2>Validation</h2>\n");
        if (data.Validation.Count == 0) sb.Append("<p class=\"empty\">No stage has been validated yet (validation.json).</p>\n");
        foreach (var table in data.Validation) AppendValidation(sb, table);
        sb.Append("</section>\n");

        if (data.Notes.Count > 0)
        {
            sb.Append("<section id=\"notes\">\n<h2>Notes</h2>\n<ul>\n");
            foreach (var n in data.Notes) sb.Append("<li>").Append(E(n)).Append("</li>\n");
            sb.Append("</ul>\n</section>\n");
        }
        sb.Append("</main>\n</body>\n</html>\n");
        return sb.ToString();
    }

    private static void AppendSummary(StringBuilder sb, ReportData d)
    {
        var h = d.History;
        var rows = new List<(string, string)>
        {
            ("model", d.ModelPath),
            ("status", d.Status ?? "unknown"),
            ("trained context L0", d.OriginalLength.ToString(CultureInfo.InvariantCulture)),
            ("targets", d.Targets.Count == 0 ? "none finished" : string.Join(", ", d.Targets.Select(t => Inv($"{t} ({(double)t / d.OriginalLength:0.##}×)")))),
            ("short factors", d.ShortLength is { } s ? s.ToString(CultureInfo.InvariantCulture) : "none"),
            ("evaluations", h.Evaluations.ToString(CultureInfo.InvariantCulture)),
            ("abandoned early", h.Evaluations == 0 ? "0" : Inv($"{h.Abandoned} ({100.0 * h.Abandoned / h.Evaluations:0.#}%)")),
            ("evaluation time", Duration(h.EvaluationSeconds) + " (sum of history seconds)"),
            ("first → last evaluation", h.First is { } f && h.Last is { } l
                ? $"{f.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} → {l.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)} UTC ({Duration((l - f).TotalSeconds)})"
                : "–"),
            ("sweep samples", Inv($"{d.SweepSamples} per length from {d.ValidationPath}")),
        };
        sb.Append("<section id=\"summary\">\n<h2>Summary</h2>\n<table class=\"kv\">\n");
        foreach (var (k, v) in rows) sb.Append($"<tr><th>{E(k)}</th><td>{E(v)}</td></tr>\n");
        sb.Append("</table>\n</section>\n");
    }

    private static void AppendSweepTable(StringBuilder sb, ReportData d)
    {
        var lengths = d.Sweep.SelectMany(s => s.Points).Select(p => p.Length).Distinct().Order().ToList();
        sb.Append("<table class=\"num\">\n<thead><tr><th>method</th>");
        foreach (var l in lengths) sb.Append(Inv($"<th>{l}</th>"));
        sb.Append("</tr></thead>\n<tbody>\n");
        var best = lengths.ToDictionary(l => l, l => d.Sweep.Select(s => s.Points.FirstOrDefault(p => p.Length == l)?.Ppl ?? double.NaN)
            .Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min());
        foreach (var s in d.Sweep)
        {
            sb.Append($"<tr{(s.Searched ? " class=\"searched\"" : "")}><td class=\"method\">{E(s.Method)}</td>");
            foreach (var l in lengths)
            {
                var p = s.Points.FirstOrDefault(q => q.Length == l);
                if (p is null || !double.IsFinite(p.Ppl)) { sb.Append("<td>–</td>"); continue; }
                sb.Append(p.Ppl == best[l] ? "<td class=\"best\">" : "<td>").Append(Ppl(p.Ppl)).Append("</td>");
            }
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
    }

    private static void AppendValidation(StringBuilder sb, ValidationTable t)
    {
        sb.Append(Inv($"<h3>{E(t.Stage)} <span class=\"meta\">({t.Kind.Text()}, {t.Length} tokens; {t.SearchSamples} search / {t.ValidationSamples} validation samples)</span></h3>\n"));
        bool atL0 = t.Rows.Any(r => r.AtL0ValidationPpl is not null);
        sb.Append("<table class=\"num\">\n<thead><tr><th>method</th><th>λ min · median · max</th><th>n̂</th><th>attention factor</th><th>search ppl</th><th>validation ppl</th>");
        if (atL0) sb.Append(Inv($"<th>validation ppl at L0 = {t.OriginalLength ?? 0}</th>"));
        sb.Append("</tr></thead>\n<tbody>\n");
        double bestSearch = t.Rows.Select(r => r.SearchPpl).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min();
        double bestValidation = t.Rows.Select(r => r.ValidationPpl).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min();
        foreach (var r in t.Rows)
        {
            var lambda = FactorSet.LambdaRange(r.Lambda, " · ");
            bool searched = r.Method.StartsWith("longrope", StringComparison.Ordinal);
            sb.Append($"<tr{(searched ? " class=\"searched\"" : "")}><td class=\"method\">{E(r.Method)}</td><td>{lambda}</td><td>{r.NHat.ToString(CultureInfo.InvariantCulture)}</td>");
            sb.Append(Inv($"<td>{r.AttentionFactor:0.####}</td>"));
            sb.Append(r.SearchPpl == bestSearch ? "<td class=\"best\">" : "<td>").Append(Ppl(r.SearchPpl)).Append("</td>");
            sb.Append(r.ValidationPpl == bestValidation ? "<td class=\"best\">" : "<td>").Append(Ppl(r.ValidationPpl)).Append("</td>");
            if (atL0) sb.Append("<td>").Append(r.AtL0ValidationPpl is { } p ? Ppl(p) : "–").Append("</td>");
            sb.Append("</tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
        if (atL0)
            sb.Append(Inv($"<p class=\"note\">Validation ppl at L0: each row's factors (and attention factor) on validation samples of {t.OriginalLength ?? 0} tokens, against the unmodified model's (\"none\"): what vLLM and llama.cpp users see on short prompts, since with a long context they run the long factors at every length.</p>\n"));
    }

    /// <summary>ppl with four decimals: the precision `eval` prints, so numbers can be compared across outputs.</summary>
    public static string Ppl(double ppl) => ppl.ToString("0.0000", CultureInfo.InvariantCulture);

    /// <summary>"1 h 02 m 03 s", "4.2 s".</summary>
    public static string Duration(double seconds)
    {
        if (!double.IsFinite(seconds) || seconds < 0) return "–";
        if (seconds < 60) return Inv($"{seconds:0.#} s");
        var t = TimeSpan.FromSeconds(Math.Round(seconds));
        return t.TotalHours >= 1 ? Inv($"{(int)t.TotalHours} h {t.Minutes:00} m {t.Seconds:00} s") : Inv($"{t.Minutes} m {t.Seconds:00} s");
    }

    private static string E(string s) => HtmlText.Escape(s);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
