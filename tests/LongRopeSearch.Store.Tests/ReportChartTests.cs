using System.Globalization;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using LongRopeSearch.Store.Reports;
using Xunit;

namespace LongRopeSearch.Store.Tests;

public class ReportChartTests
{
    private static LineChart Chart(AxisScale? y = null) => new()
    {
        Title = "ppl <vs> length",
        XLabel = "length",
        YLabel = "ppl",
        XScale = AxisScale.Log,
        XTicks = [256, 512, 1024, 2048],
        XIsLength = true,
        YScale = y,
        Series =
        [
            new ChartSeries("longrope & co", [new(256, 10.5), new(512, 11), new(1024, 11.25), new(2048, 12)], "#123456"),
            new ChartSeries("pi", [new(256, 12), new(512, 30), new(1024, 150), new(2048, 900)], "#abcdef", Dashed: true),
            new ChartSeries("none", [new(256, 10), new(512, double.NaN), new(1024, 5000), new(2048, 40000)], "#777777", Dashed: true),
        ],
    };

    private static XElement Svg(string text) => XElement.Parse(text);

    private static IEnumerable<XElement> All(XElement e, string name) => e.Descendants(XName.Get(name, "http://www.w3.org/2000/svg"));

    [Fact]
    public void One_polyline_per_series_with_one_vertex_per_finite_point()
    {
        var svg = Svg(SvgLineChart.Render(Chart()));
        var lines = All(svg, "polyline").ToList();
        Assert.Equal(3, lines.Count);
        Assert.Equal(["longrope & co", "pi", "none"], lines.Select(l => (string)l.Attribute("data-series")!).ToArray());
        Assert.Equal([4, 4, 3], lines.Select(l => ((string)l.Attribute("points")!).Split(' ').Length).ToArray());
        Assert.Equal(11, All(svg, "circle").Count());
        // Dashed reference methods, solid searched ones.
        Assert.Null(lines[0].Attribute("stroke-dasharray"));
        Assert.NotNull(lines[1].Attribute("stroke-dasharray"));
    }

    [Fact]
    public void Points_are_placed_by_the_scales()
    {
        var svg = Svg(SvgLineChart.Render(Chart()));
        var first = ((string)All(svg, "polyline").First().Attribute("points")!).Split(' ')
            .Select(p => p.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
        // x is logarithmic: doubling lengths are equally spaced.
        double d1 = first[1][0] - first[0][0], d2 = first[2][0] - first[1][0], d3 = first[3][0] - first[2][0];
        Assert.Equal(d1, d2, 0.05);
        Assert.Equal(d2, d3, 0.05);
        // y grows upwards: a larger ppl is higher on the page (smaller y).
        Assert.True(first[3][1] < first[0][1]);
    }

    [Fact]
    public void Wide_ranges_get_a_log_y_axis_with_decade_ticks()
    {
        var text = SvgLineChart.Render(Chart());
        Assert.Contains("ppl (log scale)", text, StringComparison.Ordinal);
        var yTicks = Svg(text).Descendants().Where(e => (string?)e.Attribute("class") == "ytick").Select(e => e.Value).ToList();
        Assert.Contains("100", yTicks);
        Assert.Contains("1000", yTicks);
        Assert.Contains("10000", yTicks);
        var xTicks = Svg(text).Descendants().Where(e => (string?)e.Attribute("class") == "xtick").Select(e => e.Value).ToList();
        Assert.Equal(["256", "512", "1k", "2k"], xTicks);
    }

    [Fact]
    public void Linear_axis_ticks_are_round_numbers_inside_the_data_range()
    {
        var chart = Chart(AxisScale.Linear) with { Series = [new ChartSeries("a", [new(256, 512.3), new(2048, 581.9)], "#000")] };
        var yTicks = Svg(SvgLineChart.Render(chart)).Descendants().Where(e => (string?)e.Attribute("class") == "ytick")
            .Select(e => double.Parse(e.Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(yTicks.Count >= 3);
        Assert.All(yTicks, t => Assert.Equal(0, t % 5));
        Assert.True(yTicks.Min() >= 505 && yTicks.Max() <= 590);
    }

    [Fact]
    public void Names_and_titles_are_escaped_and_tooltips_carry_values()
    {
        var text = SvgLineChart.Render(Chart());
        Assert.Contains("ppl &lt;vs&gt; length", text, StringComparison.Ordinal);
        Assert.Contains("longrope &amp; co", text, StringComparison.Ordinal);
        Assert.Contains("pi: 1k → 150", text, StringComparison.Ordinal);
        Assert.DoesNotMatch(new Regex("<script|href=|url\\(", RegexOptions.IgnoreCase), text);
    }

    [Fact]
    public void Legend_lists_every_series()
    {
        var legend = Svg(SvgLineChart.Render(Chart())).Descendants().Single(e => (string?)e.Attribute("class") == "legend");
        Assert.Equal(["longrope & co", "pi", "none"], All(legend, "text").Select(t => t.Value).ToArray());
    }
}
