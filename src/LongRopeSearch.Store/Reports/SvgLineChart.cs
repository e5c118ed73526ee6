using System.Globalization;
using System.Text;

namespace LongRopeSearch.Store.Reports;

/// <summary>One point of a series; a non-finite Y is left out (a method that could not be scored there).</summary>
public sealed record ChartPoint(double X, double Y);

/// <summary>One line of a chart. Dashed lines mark reference methods, solid ones the searched factors.</summary>
public sealed record ChartSeries(string Name, IReadOnlyList<ChartPoint> Points, string Color, bool Dashed = false);

/// <summary>What to draw: series, axis titles and scales. YScale null picks log when values span ≥ 3×.</summary>
public sealed record LineChart
{
    public required string Title { get; init; }
    public required string XLabel { get; init; }
    public required string YLabel { get; init; }
    public required IReadOnlyList<ChartSeries> Series { get; init; }
    public AxisScale XScale { get; init; } = AxisScale.Linear;
    public AxisScale? YScale { get; init; }

    /// <summary>Tick positions on x (e.g. exactly the evaluated lengths); null = nice ticks.</summary>
    public IReadOnlyList<double>? XTicks { get; init; }

    /// <summary>Smallest x tick step (1 keeps generation numbers integral).</summary>
    public double XMinStep { get; init; }

    /// <summary>Formats x tick labels as token counts (128k).</summary>
    public bool XIsLength { get; init; }
    public int Width { get; init; } = 900;
    public int Height { get; init; } = 400;
}

/// <summary>
/// Renders a <see cref="LineChart"/> as a standalone inline SVG: frame, grid, ticks and labels on both axes, one
/// polyline per series (class "series", data-series = name) with a marker per point whose tooltip gives the value,
/// and a legend on the right. No scripts, no external fonts or styles: it renders the same anywhere.
/// </summary>
public static class SvgLineChart
{
    private const double MarginLeft = 72, MarginTop = 40, MarginBottom = 52, LegendWidth = 220, LegendGap = 18;

    public static string Render(LineChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var all = chart.Series.SelectMany(s => s.Points).Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y)).ToList();
        var yScale = chart.YScale ?? ChartAxis.Auto(all.Select(p => p.Y));
        var x = ChartAxis.Fit(all.Select(p => p.X), chart.XScale, chart.XTicks, chart.XMinStep);
        var y = ChartAxis.Fit(all.Select(p => p.Y), yScale);

        double left = MarginLeft, top = MarginTop;
        double right = chart.Width - LegendWidth - LegendGap, bottom = chart.Height - MarginBottom;
        var sb = new StringBuilder();
        sb.Append(Inv($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {chart.Width} {chart.Height}\" width=\"{chart.Width}\" height=\"{chart.Height}\" role=\"img\" aria-label=\"{Esc(chart.Title)}\">\n"));
        sb.Append(Inv($"<text class=\"chart-title\" x=\"{left}\" y=\"22\">{Esc(chart.Title)}</text>\n"));

        // Grid and ticks first, so lines and markers draw over them.
        sb.Append("<g class=\"grid\">\n");
        foreach (var t in y.Ticks)
        {
            double py = y.Map(t, bottom, top);
            sb.Append(Inv($"<line x1=\"{left:0.#}\" y1=\"{py:0.#}\" x2=\"{right:0.#}\" y2=\"{py:0.#}\" />\n"));
        }
        foreach (var t in x.Ticks)
        {
            double px = x.Map(t, left, right);
            sb.Append(Inv($"<line x1=\"{px:0.#}\" y1=\"{top:0.#}\" x2=\"{px:0.#}\" y2=\"{bottom:0.#}\" />\n"));
        }
        sb.Append("</g>\n<g class=\"ticks\">\n");
        foreach (var t in y.Ticks)
            sb.Append(Inv($"<text class=\"ytick\" x=\"{left - 6:0.#}\" y=\"{y.Map(t, bottom, top) + 4:0.#}\" text-anchor=\"end\">{Esc(ChartAxis.Format(t))}</text>\n"));
        foreach (var t in x.Ticks)
        {
            var label = chart.XIsLength ? ChartAxis.FormatLength(t) : ChartAxis.Format(t);
            sb.Append(Inv($"<text class=\"xtick\" x=\"{x.Map(t, left, right):0.#}\" y=\"{bottom + 17:0.#}\" text-anchor=\"middle\">{Esc(label)}</text>\n"));
        }
        sb.Append("</g>\n");
        sb.Append(Inv($"<rect class=\"frame\" x=\"{left:0.#}\" y=\"{top:0.#}\" width=\"{right - left:0.#}\" height=\"{bottom - top:0.#}\" />\n"));
        sb.Append(Inv($"<text class=\"axis-label\" x=\"{(left + right) / 2:0.#}\" y=\"{chart.Height - 12}\" text-anchor=\"middle\">{Esc(chart.XLabel + (chart.XScale == AxisScale.Log ? " (log scale)" : ""))}</text>\n"));
        sb.Append(Inv($"<text class=\"axis-label\" transform=\"translate(18 {(top + bottom) / 2:0.#}) rotate(-90)\" text-anchor=\"middle\">{Esc(chart.YLabel + (yScale == AxisScale.Log ? " (log scale)" : ""))}</text>\n"));

        foreach (var s in chart.Series)
        {
            var pts = s.Points.Where(p => double.IsFinite(p.X) && double.IsFinite(p.Y) && (x.Scale == AxisScale.Linear || p.X > 0) && (y.Scale == AxisScale.Linear || p.Y > 0))
                .OrderBy(p => p.X).ToList();
            var coords = string.Join(" ", pts.Select(p => Inv($"{x.Map(p.X, left, right):0.##},{y.Map(p.Y, bottom, top):0.##}")));
            sb.Append(Inv($"<g class=\"series-group\">\n<polyline class=\"series\" data-series=\"{Esc(s.Name)}\" points=\"{coords}\" fill=\"none\" stroke=\"{Esc(s.Color)}\" stroke-width=\"{(s.Dashed ? 1.6 : 2.6)}\"{(s.Dashed ? " stroke-dasharray=\"6 4\"" : "")} />\n"));
            foreach (var p in pts)
            {
                var tip = $"{s.Name}: {(chart.XIsLength ? ChartAxis.FormatLength(p.X) : ChartAxis.Format(p.X))} → {p.Y.ToString("0.####", CultureInfo.InvariantCulture)}";
                sb.Append(Inv($"<circle cx=\"{x.Map(p.X, left, right):0.##}\" cy=\"{y.Map(p.Y, bottom, top):0.##}\" r=\"{(s.Dashed ? 2.4 : 3.2)}\" fill=\"{Esc(s.Color)}\"><title>{Esc(tip)}</title></circle>\n"));
            }
            sb.Append("</g>\n");
        }

        AppendLegend(sb, chart, right + LegendGap, top);
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private static void AppendLegend(StringBuilder sb, LineChart chart, double x0, double y0)
    {
        sb.Append("<g class=\"legend\">\n");
        for (int i = 0; i < chart.Series.Count; i++)
        {
            var s = chart.Series[i];
            double y = y0 + 8 + i * 20;
            sb.Append(Inv($"<line x1=\"{x0:0.#}\" y1=\"{y:0.#}\" x2=\"{x0 + 26:0.#}\" y2=\"{y:0.#}\" stroke=\"{Esc(s.Color)}\" stroke-width=\"{(s.Dashed ? 1.6 : 2.6)}\"{(s.Dashed ? " stroke-dasharray=\"6 4\"" : "")} />\n"));
            sb.Append(Inv($"<text x=\"{x0 + 34:0.#}\" y=\"{y + 4:0.#}\">{Esc(s.Name)}</text>\n"));
        }
        sb.Append("</g>\n");
    }

    private static string Esc(string s) => HtmlText.Escape(s);

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
