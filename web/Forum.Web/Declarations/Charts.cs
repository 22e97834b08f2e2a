using System.Globalization;
using System.Net;
using System.Text;
using Forum.Web.Localisation;

namespace Forum.Web.Declarations;

/// <summary>One year of a commitment's statuses: how many of the year's signatories reported each status, and how many did not report.</summary>
public sealed record StatusBar(int Year, int Achieved, int InProgress, int NotStarted, int NotReported)
{
    public int Total => Achieved + InProgress + NotStarted + NotReported;
}

/// <summary>One year of an indicator: the median of the values reported, if any were.</summary>
public sealed record IndicatorPoint(int Year, decimal? Median, int Values);

/// <summary>
/// Server-rendered SVG charts: no script, no external file, nothing CSP has to allow (presentation attributes, not
/// style attributes). Each is drawn for sighted readers only (aria-hidden): the page gives the same figures in a
/// caption and a table next to it.
/// </summary>
public static class Charts
{
    public const string AchievedColour = "#00703c";
    public const string InProgressColour = "#1d70b8";
    public const string NotStartedColour = "#505a5f";
    public const string NotReportedColour = "#dbdad9";
    private const string Ink = "#0b0c0c";
    private const int Width = 640;

    /// <summary>A horizontal stacked bar per year: achieved, in progress, not started, not reported.</summary>
    public static string Statuses(IReadOnlyList<StatusBar> years, string achieved, string inProgress, string notStarted, string notReported)
    {
        const int left = 56, right = 16, top = 40, bar = 26, gap = 12;
        var height = top + (years.Count * (bar + gap)) + 8;
        var max = Math.Max(1, years.Max(y => y.Total));
        var span = Width - left - right;
        var svg = Open(height);
        Legend(svg, [(AchievedColour, achieved), (InProgressColour, inProgress), (NotStartedColour, notStarted), (NotReportedColour, notReported)]);
        for (var i = 0; i < years.Count; i++)
        {
            var y = top + (i * (bar + gap));
            var year = years[i];
            Text(svg, left - 8, y + (bar / 2) + 5, N(year.Year), "end");
            double x = left;
            foreach (var (count, colour, light) in new[] { (year.Achieved, AchievedColour, false), (year.InProgress, InProgressColour, false), (year.NotStarted, NotStartedColour, false), (year.NotReported, NotReportedColour, true) })
            {
                if (count == 0)
                {
                    continue;
                }

                var w = span * count / (double)max;
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{D(x)}\" y=\"{y}\" width=\"{D(w)}\" height=\"{bar}\" fill=\"{colour}\" stroke=\"#fff\" stroke-width=\"1\"/>");
                if (w >= 22)
                {
                    Text(svg, x + (w / 2), y + (bar / 2) + 5, N(count), "middle", light ? Ink : "#fff");
                }

                x += w;
            }
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>A vertical bar per year for the median value, and the yearly target as a dashed line across.</summary>
    public static string Indicator(IReadOnlyList<IndicatorPoint> years, decimal? target, string targetLabel, Lang lang)
    {
        const int left = 56, right = 16, top = 40, plot = 180, bottom = 28;
        var height = top + plot + bottom;
        var values = years.Where(p => p.Median is not null).Select(p => p.Median!.Value).ToList();
        var max = Math.Max(values.Count == 0 ? 0 : values.Max(), target ?? 0);
        max = max <= 0 ? 1 : max * 1.1m;
        var span = Width - left - right;
        var slot = span / (double)Math.Max(1, years.Count);
        double Y(decimal v) => top + plot - (plot * (double)(v / max));
        var svg = Open(height);
        svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{top + plot}\" x2=\"{Width - right}\" y2=\"{top + plot}\" stroke=\"{Ink}\" stroke-width=\"1\"/>");
        Text(svg, left - 8, top + plot + 5, "0", "end");
        for (var i = 0; i < years.Count; i++)
        {
            var p = years[i];
            var cx = left + (slot * i) + (slot / 2);
            Text(svg, cx, top + plot + 20, N(p.Year), "middle");
            if (p.Median is { } median)
            {
                var w = Math.Min(56, slot * 0.6);
                var y = Y(median);
                svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{D(cx - (w / 2))}\" y=\"{D(y)}\" width=\"{D(w)}\" height=\"{D(top + plot - y)}\" fill=\"{InProgressColour}\"/>");
                Text(svg, cx, y - 6, Numbers.Of(median, lang), "middle");
            }
            else
            {
                Text(svg, cx, top + plot - 6, "–", "middle");
            }
        }

        if (target is { } t)
        {
            var y = Y(t);
            svg.Append(CultureInfo.InvariantCulture, $"<line x1=\"{left}\" y1=\"{D(y)}\" x2=\"{Width - right}\" y2=\"{D(y)}\" stroke=\"#d4351c\" stroke-width=\"2\" stroke-dasharray=\"8 5\"/>");
            Text(svg, left - 8, y + 5, Numbers.Of(t, lang), "end");
            Legend(svg, [("#d4351c", targetLabel)]);
        }

        return svg.Append("</svg>").ToString();
    }

    private static StringBuilder Open(int height) => new StringBuilder()
        .Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {Width} {height}\" width=\"{Width}\" height=\"{height}\" aria-hidden=\"true\" focusable=\"false\" font-family=\"system-ui, Arial, sans-serif\" font-size=\"14\">");

    private static void Legend(StringBuilder svg, IReadOnlyList<(string Colour, string Label)> items)
    {
        var step = Width / Math.Max(4, items.Count);
        for (var i = 0; i < items.Count; i++)
        {
            var x = 8 + (i * step);
            svg.Append(CultureInfo.InvariantCulture, $"<rect x=\"{x}\" y=\"8\" width=\"16\" height=\"16\" fill=\"{items[i].Colour}\" stroke=\"{Ink}\" stroke-width=\"1\"/>");
            Text(svg, x + 22, 21, items[i].Label, "start");
        }
    }

    private static void Text(StringBuilder svg, double x, double y, string text, string anchor, string fill = Ink) =>
        svg.Append(CultureInfo.InvariantCulture, $"<text x=\"{D(x)}\" y=\"{D(y)}\" text-anchor=\"{anchor}\" fill=\"{fill}\">{WebUtility.HtmlEncode(text)}</text>");

    private static string D(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

    private static string N(int v) => v.ToString(CultureInfo.InvariantCulture);
}
