using System.Globalization;

namespace LongRopeSearch.Cli.Terminal;

/// <summary>
/// Durations as people read them on a terminal: "04:12:00" under a day, "3d 04:12:00" from one day on (a TimeSpan
/// formatted with hh wraps at 24 h and drops the days). Whole seconds, rounded.
/// </summary>
internal static class Durations
{
    /// <summary>Beyond this many days (or for NaN, negative or infinite seconds) the text says so instead of a number.</summary>
    public const long MaxDays = 99_999;

    public static string Format(TimeSpan duration) => Format(duration.TotalSeconds);

    public static string Format(double seconds)
    {
        if (double.IsNaN(seconds) || seconds < 0) return "–";
        if (seconds >= (MaxDays + 1) * 86400.0) return string.Create(CultureInfo.InvariantCulture, $"> {MaxDays}d");
        long total = (long)Math.Round(seconds, MidpointRounding.AwayFromZero);
        long days = total / 86400, rest = total % 86400;
        var clock = string.Create(CultureInfo.InvariantCulture, $"{rest / 3600:00}:{rest / 60 % 60:00}:{rest % 60:00}");
        return days > 0 ? string.Create(CultureInfo.InvariantCulture, $"{days}d {clock}") : clock;
    }
}
