using System.Buffers.Binary;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// Column-chunk Statistics for flat columns: null_count always; min_value/max_value (PLAIN bytes) for INT32, INT64,
/// timestamps, FLOAT and DOUBLE. Floating-point bounds follow parquet.thrift's rules (a zero minimum is written as -0,
/// a zero maximum as +0) and are left out entirely when the chunk holds a NaN: the spec keeps NaN out of min/max, but
/// DuckDB orders NaN above every number and still prunes on max, so `WHERE ppl &gt; x` would silently drop NaN rows
/// (seen with DuckDB 1.5). Failed evaluations may well have NaN perplexity, so such chunks get no bounds.
/// Booleans and strings get only null_count: nothing here needs to prune on them.
/// List columns get no Statistics (their leaf min/max say little about rows).
/// </summary>
internal static class ColumnStatistics
{
    public static Statistics? Compute(LeafLayout layout, ColumnData data)
    {
        if (layout.Column.IsList) return null;
        var stats = new Statistics { NullCount = data.NullCount };
        switch (data.Leaf)
        {
            case int[] { Length: > 0 } ints:
                stats.MinValue = Bytes(ints.Min(), BinaryPrimitives.WriteInt32LittleEndian, 4);
                stats.MaxValue = Bytes(ints.Max(), BinaryPrimitives.WriteInt32LittleEndian, 4);
                break;
            case long[] { Length: > 0 } longs:
                stats.MinValue = Bytes(longs.Min(), BinaryPrimitives.WriteInt64LittleEndian, 8);
                stats.MaxValue = Bytes(longs.Max(), BinaryPrimitives.WriteInt64LittleEndian, 8);
                break;
            case float[] floats when Bounds(floats.Select(f => (double)f)) is { } floatBounds:
                stats.MinValue = Bytes((float)floatBounds.Min, BinaryPrimitives.WriteSingleLittleEndian, 4);
                stats.MaxValue = Bytes((float)floatBounds.Max, BinaryPrimitives.WriteSingleLittleEndian, 4);
                break;
            case double[] doubles when Bounds(doubles) is { } doubleBounds:
                stats.MinValue = Bytes(doubleBounds.Min, BinaryPrimitives.WriteDoubleLittleEndian, 8);
                stats.MaxValue = Bytes(doubleBounds.Max, BinaryPrimitives.WriteDoubleLittleEndian, 8);
                break;
        }
        return stats;
    }

    /// <summary>Min and max with the signed-zero rule; null when there is no value or any value is NaN.</summary>
    private static (double Min, double Max)? Bounds(IEnumerable<double> values)
    {
        var min = double.PositiveInfinity;
        var max = double.NegativeInfinity;
        var any = false;
        foreach (var v in values)
        {
            if (double.IsNaN(v)) return null;
            any = true;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (!any) return null;
        if (min == 0) min = -0.0;
        if (max == 0) max = 0.0;
        return (min, max);
    }

    private static byte[] Bytes<T>(T value, SpanWriter<T> write, int size)
    {
        var bytes = new byte[size];
        write(bytes, value);
        return bytes;
    }

    private delegate void SpanWriter<in T>(Span<byte> destination, T value);
}
