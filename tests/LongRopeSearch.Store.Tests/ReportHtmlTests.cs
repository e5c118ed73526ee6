using System.Text.RegularExpressions;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.Exports;
using LongRopeSearch.Store.History;
using LongRopeSearch.Store.Reports;
using LongRopeSearch.Store.Validation;
using LongRopeSearch.TestSupport;
using Xunit;

namespace LongRopeSearch.Store.Tests;

public class ReportHtmlTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private static HistoryRow Row(string stage, int length, int generation, double ppl, bool abandoned = false, double seconds = 1.5, int minute = 0) => new()
    {
        JobId = "j", Stage = stage, TargetLength = length, Generation = generation, CandidateId = 0, Origin = "mutation",
        Lambda = [1.0, 2.0], NHat = 0, AttentionFactor = 1.0, PerSampleNll = [Math.Log(ppl)], MeanNll = Math.Log(ppl), Ppl = ppl,
        Abandoned = abandoned, Seconds = seconds, Timestamp = T0.AddMinutes(minute),
    };

    private static IReadOnlyList<HistoryRow> History() =>
    [
        Row("long", 256, 0, 30), Row("long", 256, 0, 25), Row("long", 256, 0, 5, abandoned: true),
        Row("long", 256, 1, 27), Row("long", 256, 1, 28),
        Row("long", 256, 2, 21, minute: 3),
        Row("short", 64, 0, 12), Row("short", 64, 0, 11.5, minute: 90),
    ];

    [Fact]
    public void History_digest_counts_and_best_per_generation()
    {
        var d = HistoryDigest.From(History());
        Assert.Equal(8, d.Evaluations);
        Assert.Equal(1, d.Abandoned);
        Assert.Equal(12.0, d.EvaluationSeconds, 9);
        Assert.Equal(T0, d.First);
        Assert.Equal(T0.AddMinutes(90), d.Last);
        Assert.Equal(["target 256", "short 64"], d.Generations.Select(g => g.Stage).ToArray());
        var longStage = d.Generations[0].Points;
        // The abandoned candidate's 5 (over part of its samples) is not a result.
        Assert.Equal([25.0, 27.0, 21.0], longStage.Select(p => p.GenerationBestPpl).ToArray());
        Assert.Equal([25.0, 25.0, 21.0], longStage.Select(p => p.BestPpl).ToArray());
        Assert.Equal([3, 2, 1], longStage.Select(p => p.Evaluated).ToArray());
        Assert.Equal([1, 0, 0], longStage.Select(p => p.Abandoned).ToArray());
    }

    private static ReportData Data() => new()
    {
        JobId = "job <1>",
        ModelPath = "/models/tiny",
        OriginalLength = 64,
        Targets = [128, 256],
        ShortLength = 64,
        Status = "finished",
        SweepSamples = 4,
        ValidationPath = "/data/validation",
        History = HistoryDigest.From(History()),
        Sweep =
        [
            new SweepSeries("longrope L=256", true, [new(64, 10.125), new(128, 11.5), new(256, 12.75)]),
            new SweepSeries("none", false, [new(64, 10.0), new(128, 40.0), new(256, 512.5)]),
            new SweepSeries("pi s=4", false, [new(64, 14.0), new(128, 13.0), new(256, double.NaN)]),
        ],
        Factors = [new FactorCurve("longrope L=256", true, [1.0, 2.5, 4.0]), new FactorCurve("pi s=4", false, [4.0, 4.0, 4.0])],
        Validation =
        [
            new ValidationTable("target 256", FactorKind.Long, 256, 2, 4,
            [
                new ValidationRow("longrope (searched)", [1.0, 2.5, 4.0], 0, 1.1547, Math.Log(12.3456), 12.3456, Math.Log(13.5791), 13.5791, [2.6, 2.62]),
                new ValidationRow("ntk", [1.0, 2.0, 4.0], 0, 1.0, Math.Log(15.0), 15.0, Math.Log(13.0001), 13.0001, [2.55, 2.58]),
            ]),
        ],
        Notes = ["length 512 skipped: not enough documents"],
        GeneratedAt = T0,
    };

    [Fact]
    public void Sweep_chart_has_one_polyline_per_method_and_the_numbers_appear()
    {
        var html = HtmlReport.Render(Data());
        var sweep = Section(html, "sweep");
        var names = Regex.Matches(sweep, "<polyline class=\"series\" data-series=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["longrope L=256", "none", "pi s=4"], names);
        foreach (var n in new[] { "10.1250", "11.5000", "12.7500", "512.5000", "13.0000" })
            Assert.Contains(n, sweep, StringComparison.Ordinal);
        // The NaN point is a dash in the table and no vertex on the line.
        Assert.Contains("<td>–</td>", sweep, StringComparison.Ordinal);
    }

    [Fact]
    public void Progress_chart_has_a_best_so_far_and_a_per_generation_line_per_stage()
    {
        var progress = Section(HtmlReport.Render(Data()), "progress");
        var names = Regex.Matches(progress, "data-series=\"([^\"]*)\"").Select(m => m.Groups[1].Value).ToArray();
        Assert.Equal(["target 256", "target 256 (generation)", "short 64", "short 64 (generation)"], names);
    }

    [Fact]
    public void Summary_and_validation_tables_show_the_job()
    {
        var html = HtmlReport.Render(Data());
        var summary = Section(html, "summary");
        Assert.Contains("job &lt;1&gt;", html, StringComparison.Ordinal);
        Assert.Contains("/models/tiny", summary, StringComparison.Ordinal);
        Assert.Contains("128 (2×), 256 (4×)", summary, StringComparison.Ordinal);
        Assert.Contains("<td>8</td>", summary, StringComparison.Ordinal);
        Assert.Contains("1 (12.5%)", summary, StringComparison.Ordinal);
        Assert.Contains("12 s", summary, StringComparison.Ordinal);
        Assert.Contains("1 h 30 m 00 s", summary, StringComparison.Ordinal);

        var validation = Section(html, "validation");
        Assert.Contains("12.3456", validation, StringComparison.Ordinal);
        // The best validation ppl of the table is marked.
        Assert.Contains("<td class=\"best\">13.0001</td>", validation, StringComparison.Ordinal);
        Assert.Contains("length 512 skipped", Section(html, "notes"), StringComparison.Ordinal);
    }

    [Fact]
    public void Page_is_self_contained()
    {
        var html = HtmlReport.Render(Data());
        Assert.StartsWith("<!DOCTYPE html>", html, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex("<script|<link|src=|href=|@import|url\\(|@font-face", RegexOptions.IgnoreCase), html);
    }

    [Fact]
    public void Empty_job_renders_placeholders()
    {
        var html = HtmlReport.Render(Data() with { Sweep = [], History = HistoryDigest.Empty, Validation = [], Factors = [], Notes = [] });
        Assert.Contains("No lengths were evaluated", html, StringComparison.Ordinal);
        Assert.Contains("no evaluations yet", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<polyline", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Sweep_cache_round_trips_and_refuses_another_context()
    {
        using var dir = new TempDir();
        var path = dir.File("sweep.json");
        var factors = new FactorSet([1.0, 2.0], 0, 1.1);
        var cache = SweepCache.Load(path, "model=a", out var discarded);
        Assert.Null(discarded);
        Assert.False(cache.TryGet(factors, 128, out _));
        cache.Put(factors, 128, new SweepEntry(12.5, Math.Log(12.5), [2.5, 2.55]));
        cache.Put(factors, 256, new SweepEntry(double.PositiveInfinity, 800, [800]));
        cache.Save();

        var again = SweepCache.Load(path, "model=a", out discarded);
        Assert.Null(discarded);
        Assert.True(again.TryGet(factors, 128, out var e));
        Assert.Equal(12.5, e.Ppl);
        Assert.Equal([2.5, 2.55], e.PerSampleNll);
        Assert.True(again.TryGet(factors, 256, out var inf));
        Assert.True(double.IsPositiveInfinity(inf.Ppl));
        Assert.False(again.TryGet(factors.With(attentionFactor: 1.2), 128, out _));

        var other = SweepCache.Load(path, "model=b", out discarded);
        Assert.NotNull(discarded);
        Assert.Equal(0, other.Count);

        File.WriteAllText(path, "{ broken");
        Assert.Equal(0, SweepCache.Load(path, "model=a", out discarded).Count);
        Assert.StartsWith(path + ": expected a sweep cache", discarded, StringComparison.Ordinal);
        Assert.Contains("(line 1, byte 3)", discarded, StringComparison.Ordinal);
        Assert.EndsWith("the sweep is recomputed", discarded, StringComparison.Ordinal);

        // A damaged entry (a member missing) is named too, and the cache discarded as a whole.
        cache.Save();
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"mean_nll\"", "\"mean_nl\"", StringComparison.Ordinal));
        Assert.Equal(0, SweepCache.Load(path, "model=a", out discarded).Count);
        Assert.Contains("mean_nll", discarded, StringComparison.Ordinal);
    }

    private static string Section(string html, string id)
    {
        int start = html.IndexOf($"<section id=\"{id}\">", StringComparison.Ordinal);
        Assert.True(start >= 0, $"section {id} missing");
        int end = html.IndexOf("</section>", start, StringComparison.Ordinal);
        return html[start..end];
    }

    [Fact]
    public void Validation_tables_show_the_deployable_row_and_the_L0_column()
    {
        var data = Data() with
        {
            Validation =
            [
                new ValidationTable("target 256", FactorKind.Long, 256, 2, 4,
                [
                    new ValidationRow(ValidationRow.SearchedMethod, [1.0, 2.5, 4.0], 12, 1.1547, Math.Log(12.3456), 12.3456, Math.Log(13.5791), 13.5791, [2.6, 2.62], Math.Log(9.8765), 9.8765),
                    new ValidationRow(ValidationRow.DeployableMethod, [1.0, 2.5, 4.5], 0, 1.1547, Math.Log(12.5), 12.5, Math.Log(13.75), 13.75, [2.6, 2.63], Math.Log(9.5), 9.5),
                    new ValidationRow("none", [1.0, 1.0, 1.0], 0, 1.0, Math.Log(40.0), 40.0, Math.Log(41.0), 41.0, [3.7, 3.72], Math.Log(8.25), 8.25),
                ], OriginalLength: 64),
            ],
        };
        var html = HtmlReport.Render(data);
        Assert.Contains("validation ppl at L0 = 64", html, StringComparison.Ordinal);
        Assert.Contains("longrope (searched, deployable n̂=0)", html, StringComparison.Ordinal);
        Assert.Contains("9.8765", html, StringComparison.Ordinal);
        Assert.Contains("8.2500", html, StringComparison.Ordinal);
        // Tables written before the column existed render without it.
        Assert.DoesNotContain("at L0", HtmlReport.Render(Data()), StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_history_is_said_in_the_page_not_left_blank()
    {
        var html = HtmlReport.Render(Data() with { History = HistoryDigest.Empty, HistoryProblem = "/j/history.parquet is missing, so the search-progress chart is left out" });
        Assert.Contains("/j/history.parquet is missing", html, StringComparison.Ordinal);
        Assert.DoesNotContain("has no evaluations yet", html, StringComparison.Ordinal);
    }
}
