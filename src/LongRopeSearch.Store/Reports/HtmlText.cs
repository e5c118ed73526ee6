using System.Text;

namespace LongRopeSearch.Store.Reports;

/// <summary>
/// Escapes text for HTML and SVG content and attributes: only &amp; &lt; &gt; " and ' are replaced, so the page stays
/// readable UTF-8 (WebUtility.HtmlEncode would turn "×" or "λ" into numeric entities).
/// </summary>
internal static class HtmlText
{
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.AsSpan().IndexOfAny("&<>\"'") < 0) return text;
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }
}
