using LongRopeSearch.Cli.Terminal;
using Xunit;

namespace LongRopeSearch.Cli.Tests;

/// <summary>Durations past 24 h keep their days (a TimeSpan formatted with hh wrapped to the hours of the last day).</summary>
public sealed class DurationsTests
{
    [Theory]
    [InlineData(0, "00:00:00")]
    [InlineData(59.4, "00:00:59")]
    [InlineData(59.5, "00:01:00")]
    [InlineData(86399, "23:59:59")]
    [InlineData(86400, "1d 00:00:00")]
    [InlineData(3 * 86400 + 4 * 3600 + 12 * 60, "3d 04:12:00")]
    [InlineData(400 * 86400 + 1, "400d 00:00:01")]
    [InlineData(1e300, "> 99999d")]
    [InlineData(double.PositiveInfinity, "> 99999d")]
    [InlineData(double.NaN, "–")]
    [InlineData(-1, "–")]
    public void Formats_seconds(double seconds, string expected) => Assert.Equal(expected, Durations.Format(seconds));

    [Fact]
    public void Progress_eta_past_a_day_shows_the_days()
    {
        // 1 of 100 evaluations in an hour: 99 h left = 4 days 3 hours.
        var bar = new ConsoleProgress(new StringWriter(), "search", 100, "evals");
        Assert.Contains("ETA 4d 03:00:00", bar.Format(1, 3600, null), StringComparison.Ordinal);
    }

    [Fact]
    public void Progress_eta_beyond_timespan_range_does_not_throw()
    {
        var bar = new ConsoleProgress(new StringWriter(), "search", 1e18, "evals");
        Assert.Contains("ETA > 99999d", bar.Format(1, 1e6, null), StringComparison.Ordinal);
    }
}
