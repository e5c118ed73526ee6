using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// INT64 TIMESTAMP values: signed counts of milliseconds or microseconds since 1970-01-01T00:00:00Z.
/// Writing truncates toward the earlier instant (floor), so a sub-unit remainder is dropped, never rounded up.
/// Reading yields a UTC <see cref="DateTimeOffset"/> (offset zero).
/// </summary>
internal static class TimestampCodec
{
    public static long ToUnixMillis(DateTimeOffset value) =>
        Math.DivRem(value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks, TimeSpan.TicksPerMillisecond) is var (q, r) && r < 0 ? q - 1 : q;

    public static long ToUnixMicros(DateTimeOffset value) =>
        Math.DivRem(value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks, TimeSpan.TicksPerMicrosecond) is var (q, r) && r < 0 ? q - 1 : q;

    public static DateTimeOffset FromUnixMillis(long millis, string source, string column) =>
        FromTicks(millis, TimeSpan.TicksPerMillisecond, source, column, "milliseconds");

    public static DateTimeOffset FromUnixMicros(long micros, string source, string column) =>
        FromTicks(micros, TimeSpan.TicksPerMicrosecond, source, column, "microseconds");

    private static DateTimeOffset FromTicks(long count, long ticksPerUnit, string source, string column, string unit)
    {
        var epoch = DateTimeOffset.UnixEpoch.UtcTicks;
        var minCount = (DateTimeOffset.MinValue.UtcTicks - epoch) / ticksPerUnit;
        var maxCount = (DateTimeOffset.MaxValue.UtcTicks - epoch) / ticksPerUnit;
        if (count < minCount || count > maxCount)
        {
            throw new InputException(source, $"column '{column}'", $"a timestamp between years 1 and 9999 ({minCount}..{maxCount} {unit} since 1970)", count.ToString());
        }
        return new DateTimeOffset(epoch + count * ticksPerUnit, TimeSpan.Zero);
    }
}
