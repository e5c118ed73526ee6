namespace LongRopeSearch.Store.Reports;

/// <summary>
/// The report's stylesheet, inlined into the page. System font stacks only: the page must render offline and
/// identically without fetching fonts.
/// </summary>
internal static class ReportStyle
{
    public const string Css = """
        :root { color-scheme: light; }
        * { box-sizing: border-box; }
        body { margin: 0; background: #f4f5f7; color: #1d1f23;
               font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; font-size: 14px; line-height: 1.45; }
        main { max-width: 980px; margin: 0 auto; padding: 24px 20px 48px; }
        header h1 { font-size: 24px; margin: 0 0 2px; }
        header .job { color: #1f4e9c; }
        .meta { color: #666; font-size: 13px; font-weight: normal; margin: 0; }
        section { background: #fff; border: 1px solid #dfe1e5; border-radius: 8px; padding: 16px 20px; margin-top: 18px; }
        h2 { font-size: 18px; margin: 0 0 10px; }
        h3 { font-size: 15px; margin: 18px 0 6px; }
        p.note { color: #444; margin: 0 0 10px; }
        p.empty { color: #888; font-style: italic; }
        figure { margin: 0 0 12px; overflow-x: auto; }
        svg.chart { display: block; max-width: 100%; height: auto; }
        svg.chart text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; font-size: 12px; fill: #333; }
        svg.chart .chart-title { font-size: 14px; font-weight: 600; fill: #1d1f23; }
        svg.chart .axis-label { font-size: 12px; fill: #555; }
        svg.chart .grid line { stroke: #e8e9ec; stroke-width: 1; }
        svg.chart .frame { fill: none; stroke: #9a9ca1; stroke-width: 1; }
        table { border-collapse: collapse; width: 100%; font-size: 13px; }
        th, td { padding: 4px 8px; border-bottom: 1px solid #eceef1; text-align: left; }
        thead th { background: #f7f8fa; font-weight: 600; border-bottom: 1px solid #d5d8dd; }
        table.num td, table.num th { text-align: right; font-variant-numeric: tabular-nums; }
        table.num td.method, table.num th:first-child { text-align: left; }
        table.kv th { width: 220px; color: #555; font-weight: 600; }
        table.kv td { word-break: break-all; }
        tr.searched td { background: #f1f5fc; }
        td.best { font-weight: 700; color: #14532d; }
        ul { margin: 0; padding-left: 20px; }
        """;
}
