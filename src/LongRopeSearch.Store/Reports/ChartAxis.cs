using System.Globalization;

namespace LongRopeSearch.Store.Reports;

/// <summary>How values map to pixels along an axis.</summary>
public enum AxisScale
{
    Linear,

    /// <summary>Logarithmic: equal ratios take equal space (perplexities that blow up, doubling lengths).</summary>
    Log,
}

/// <summary>
/// One axis of a chart: a value domain, its scale, the tick values and their labels. Maps values to pixels between
/// two pixel coordinates (which may be reversed, as for a y axis that grows upwards).
/// </summary>
internal sealed class ChartAxis
{
    private ChartAxis(double lo, double hi, AxisScale scale, IReadOnlyList<double> ticks)
    {
        Lo = lo;
        Hi = hi;
        Scale = scale;
        Ticks = ticks;
    }

    public double Lo { get; }
    public double Hi { get; }
    public AxisScale Scale { get; }
    public IReadOnlyList<double> Ticks { get; }

    /// <summary>
    /// An axis covering <paramref name="values"/> (and any explicit ticks), padded a little so markers are not cut
    /// by the frame. Explicit ticks are used as given; otherwise "nice" ticks (1, 2, 2.5, 5 × 10^k steps, or 1-2-5
    /// per decade on a log axis spanning more than a decade). <paramref name="minStep"/> keeps integer axes integral.
    /// </summary>
    public static ChartAxis Fit(IEnumerable<double> values, AxisScale scale, IReadOnlyList<double>? explicitTicks = null, double minStep = 0)
    {
        var data = values.Where(v => double.IsFinite(v) && (scale == AxisScale.Linear || v > 0)).ToList();
        if (explicitTicks is not null) data.AddRange(explicitTicks.Where(v => double.IsFinite(v) && (scale == AxisScale.Linear || v > 0)));
        double lo = data.Count > 0 ? data.Min() : (scale == AxisScale.Log ? 1 : 0);
        double hi = data.Count > 0 ? data.Max() : lo + 1;
        if (scale == AxisScale.Log)
        {
            double a = Math.Log(lo), b = Math.Log(hi);
            if (b - a < 1e-9) { a -= 0.1; b += 0.1; }
            double pad = 0.04 * (b - a);
            lo = Math.Exp(a - pad);
            hi = Math.Exp(b + pad);
        }
        else
        {
            if (hi - lo < 1e-12) { lo -= Math.Max(1, Math.Abs(lo) * 0.05); hi += Math.Max(1, Math.Abs(hi) * 0.05); }
            double pad = 0.04 * (hi - lo);
            lo -= pad;
            hi += pad;
        }
        var ticks = explicitTicks?.Where(t => t >= lo && t <= hi).ToList()
            ?? (scale == AxisScale.Log ? LogTicks(lo, hi) : LinearTicks(lo, hi, 6, minStep));
        return new ChartAxis(lo, hi, scale, ticks);
    }

    /// <summary>Log when all values are positive and span at least <paramref name="ratio"/>× (where differences hide).</summary>
    public static AxisScale Auto(IEnumerable<double> values, double ratio = 3)
    {
        var v = values.Where(double.IsFinite).ToList();
        if (v.Count == 0 || v.Any(x => x <= 0)) return AxisScale.Linear;
        return v.Max() / v.Min() >= ratio ? AxisScale.Log : AxisScale.Linear;
    }

    /// <summary>Pixel coordinate of <paramref name="value"/>, <paramref name="from"/> at Lo and <paramref name="to"/> at Hi.</summary>
    public double Map(double value, double from, double to)
    {
        double t = Scale == AxisScale.Log
            ? (Math.Log(value) - Math.Log(Lo)) / (Math.Log(Hi) - Math.Log(Lo))
            : (value - Lo) / (Hi - Lo);
        return from + t * (to - from);
    }

    /// <summary>Steps of 1, 2, 2.5 or 5 × 10^k giving about <paramref name="target"/> ticks inside [lo, hi].</summary>
    public static List<double> LinearTicks(double lo, double hi, int target, double minStep = 0)
    {
        double step = Math.Max(NiceStep((hi - lo) / target), minStep);
        var ticks = new List<double>();
        for (double t = Math.Ceiling(lo / step) * step; t <= hi + step * 1e-9; t += step)
            ticks.Add(Math.Abs(t) < step * 1e-9 ? 0 : Math.Round(t / step) * step);
        return ticks;
    }

    /// <summary>
    /// Decades (with 2 and 5 between when few) on a range spanning more than a decade; otherwise nice linear values,
    /// which a narrow log axis shows just as well.
    /// </summary>
    public static List<double> LogTicks(double lo, double hi)
    {
        if (hi / lo < 10) return LinearTicks(lo, hi, 5);
        int first = (int)Math.Floor(Math.Log10(lo)), last = (int)Math.Ceiling(Math.Log10(hi));
        double[] mantissas = last - first <= 3 ? [1, 2, 5] : [1];
        var ticks = new List<double>();
        for (int k = first; k <= last; k++)
            foreach (var m in mantissas)
            {
                double t = m * Math.Pow(10, k);
                if (t >= lo && t <= hi) ticks.Add(t);
            }
        return ticks;
    }

    /// <summary>Short tick text: integers without decimals, small values with as many digits as they need.</summary>
    public static string Format(double v)
    {
        double a = Math.Abs(v);
        string pattern = a >= 100 || a == 0 ? "0" : a >= 10 ? "0.#" : a >= 1 ? "0.##" : "0.###";
        return v.ToString(pattern, CultureInfo.InvariantCulture);
    }

    /// <summary>Token counts: 131072 → "128k" when a whole number of 1024s, else the integer.</summary>
    public static string FormatLength(double v) =>
        v >= 1024 && v % 1024 == 0
            ? (v / 1024).ToString("0", CultureInfo.InvariantCulture) + "k"
            : v.ToString("0", CultureInfo.InvariantCulture);

    private static double NiceStep(double raw)
    {
        if (!(raw > 0)) return 1;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double f = raw / magnitude;
        double nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
        return nice * magnitude;
    }
}
