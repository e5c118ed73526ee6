namespace LongRopeSearch.Store.Reports;

/// <summary>
/// Turns report data into chart specifications: ppl against length (one line per method), best ppl per generation
/// (one line per stage) and λ per rotary pair (one line per factor set). A method keeps the same colour in every chart.
/// </summary>
public static class ReportCharts
{
    /// <summary>Strong colours for the searched factor sets (solid lines).</summary>
    private static readonly string[] SearchedColors = ["#1f4e9c", "#d1495b", "#2a9d8f", "#8e44ad", "#e07a1f", "#3d3d3d"];

    /// <summary>Softer colours for the reference methods (dashed lines).</summary>
    private static readonly string[] BaselineColors = ["#7f7f7f", "#e9a23b", "#6c9bd2", "#9c6644", "#b07cc6", "#5fa55a", "#c9b458", "#4bb3c7"];

    /// <summary>A colour per method name, searched ones from one palette and reference ones from the other, in order.</summary>
    public static IReadOnlyDictionary<string, string> Colors(IEnumerable<(string Name, bool Searched)> methods)
    {
        ArgumentNullException.ThrowIfNull(methods);
        var map = new Dictionary<string, string>();
        int searched = 0, baseline = 0;
        foreach (var (name, isSearched) in methods)
        {
            if (map.ContainsKey(name)) continue;
            map[name] = isSearched
                ? SearchedColors[searched++ % SearchedColors.Length]
                : BaselineColors[baseline++ % BaselineColors.Length];
        }
        return map;
    }

    /// <summary>The colour map for everything a report draws (sweep methods first, then factor curves).</summary>
    public static IReadOnlyDictionary<string, string> Colors(ReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Colors(data.Sweep.Select(s => (s.Method, s.Searched)).Concat(data.Factors.Select(f => (f.Name, f.Searched))));
    }

    public static LineChart Sweep(ReportData data, IReadOnlyDictionary<string, string> colors)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(colors);
        var lengths = data.Sweep.SelectMany(s => s.Points).Select(p => (double)p.Length).Distinct().Order().ToList();
        return new LineChart
        {
            Title = "Perplexity against sequence length (validation samples)",
            XLabel = "sequence length in tokens",
            YLabel = "perplexity",
            XScale = AxisScale.Log,
            XTicks = lengths,
            XIsLength = true,
            Series = data.Sweep.Select(s => new ChartSeries(s.Method, s.Points.Select(p => new ChartPoint(p.Length, p.Ppl)).ToList(),
                colors[s.Method], Dashed: !s.Searched)).ToList(),
        };
    }

    public static LineChart Generations(ReportData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        // Solid: the stage's best so far (the best of the population); dashed: the best new candidate of each generation.
        var series = new List<ChartSeries>();
        var stages = data.History.Generations;
        for (int i = 0; i < stages.Count; i++)
        {
            var color = SearchedColors[i % SearchedColors.Length];
            series.Add(new ChartSeries(stages[i].Stage, stages[i].Points.Select(p => new ChartPoint(p.Generation, p.BestPpl)).ToList(), color));
            series.Add(new ChartSeries(stages[i].Stage + " (generation)", stages[i].Points.Select(p => new ChartPoint(p.Generation, p.GenerationBestPpl)).ToList(),
                color, Dashed: true));
        }
        return new LineChart
        {
            Title = "Best perplexity by generation (search samples, each stage at its own length)",
            XLabel = "generation",
            YLabel = "perplexity",
            XMinStep = 1,
            Series = series,
        };
    }

    public static LineChart Factors(ReportData data, IReadOnlyDictionary<string, string> colors)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(colors);
        return new LineChart
        {
            Title = "Rescale factor λ per rotary pair (pair 0 = highest frequency)",
            XLabel = "rotary pair i",
            YLabel = "λ",
            XMinStep = 1,
            Height = 360,
            Series = data.Factors.Select(f => new ChartSeries(f.Name, f.Lambda.Select((l, i) => new ChartPoint(i, l)).ToList(),
                colors[f.Name], Dashed: !f.Searched)).ToList(),
        };
    }
}
