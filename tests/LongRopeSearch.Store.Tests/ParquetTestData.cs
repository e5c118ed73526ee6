using LongRopeSearch.Store.Parquet;
using Xunit;

namespace LongRopeSearch.Store.Tests;

/// <summary>
/// Rows for the Parquet tests, generated from a seed so every test knows the expected values independently of the
/// code under test (the arrays themselves are the expectation), plus exact comparisons (floats by bit pattern).
/// </summary>
internal static class ParquetTestData
{
    /// <summary>One column of every kind, required and optional variants.</summary>
    public static readonly ParquetSchema AllKinds = new(
        new ParquetColumn("id", ParquetColumnKind.Int64),
        new ParquetColumn("gen", ParquetColumnKind.Int32),
        new ParquetColumn("opt_i32", ParquetColumnKind.Int32, IsOptional: true),
        new ParquetColumn("opt_i64", ParquetColumnKind.Int64, IsOptional: true),
        new ParquetColumn("ppl", ParquetColumnKind.Double),
        new ParquetColumn("opt_d", ParquetColumnKind.Double, IsOptional: true),
        new ParquetColumn("f", ParquetColumnKind.Float),
        new ParquetColumn("opt_f", ParquetColumnKind.Float, IsOptional: true),
        new ParquetColumn("ok", ParquetColumnKind.Boolean),
        new ParquetColumn("opt_b", ParquetColumnKind.Boolean, IsOptional: true),
        new ParquetColumn("name", ParquetColumnKind.String),
        new ParquetColumn("note", ParquetColumnKind.String, IsOptional: true),
        new ParquetColumn("ts_ms", ParquetColumnKind.TimestampMillis),
        new ParquetColumn("ts_us", ParquetColumnKind.TimestampMicros, IsOptional: true),
        new ParquetColumn("lambdas", ParquetColumnKind.FloatList, IsOptional: true),
        new ParquetColumn("dl", ParquetColumnKind.DoubleList));

    private static readonly string[] Words = ["", "λ", "日本語", "emoji 🚀", "plain ascii", "tab\tand \"quotes\"", "ÅÄÖ ß", "x"];

    private static readonly double[] SpecialDoubles = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, -0.0, 0.0, double.Epsilon, double.MaxValue];

    /// <summary>A row group of <paramref name="rows"/> rows over <see cref="AllKinds"/>; rows are numbered from <paramref name="firstId"/>.</summary>
    public static ParquetRowGroup Generate(int seed, int rows, long firstId = 0)
    {
        var random = new Random(seed);
        T? Maybe<T>(Func<T> make) where T : struct => random.Next(4) == 0 ? null : make();
        double AnyDouble() => random.Next(8) == 0 ? SpecialDoubles[random.Next(SpecialDoubles.Length)] : (random.NextDouble() - 0.5) * 1e6;
        var epochMs = DateTimeOffset.UnixEpoch;
        return new ParquetRowGroup(AllKinds, rows)
            .Set("id", Enumerable.Range(0, rows).Select(i => firstId + i).ToArray())
            .Set("gen", Enumerable.Range(0, rows).Select(_ => random.Next(int.MinValue, int.MaxValue)).ToArray())
            .Set("opt_i32", Enumerable.Range(0, rows).Select(_ => Maybe(() => random.Next(-1000, 1000))).ToArray())
            .Set("opt_i64", Enumerable.Range(0, rows).Select(_ => Maybe(() => random.NextInt64(long.MinValue, long.MaxValue))).ToArray())
            .Set("ppl", Enumerable.Range(0, rows).Select(_ => AnyDouble()).ToArray())
            .Set("opt_d", Enumerable.Range(0, rows).Select(_ => Maybe(AnyDouble)).ToArray())
            .Set("f", Enumerable.Range(0, rows).Select(_ => (float)AnyDouble()).ToArray())
            .Set("opt_f", Enumerable.Range(0, rows).Select(_ => Maybe(() => (float)random.NextDouble())).ToArray())
            .Set("ok", Enumerable.Range(0, rows).Select(_ => random.Next(2) == 0).ToArray())
            .Set("opt_b", Enumerable.Range(0, rows).Select(_ => Maybe(() => random.Next(2) == 0)).ToArray())
            .Set("name", Enumerable.Range(0, rows).Select(i => Words[random.Next(Words.Length)] + i).ToArray())
            .Set("note", Enumerable.Range(0, rows).Select(_ => random.Next(3) == 0 ? null : Words[random.Next(Words.Length)]).ToArray())
            .Set("ts_ms", Enumerable.Range(0, rows).Select(_ => epochMs.AddMilliseconds(random.NextInt64(-10_000_000_000, 10_000_000_000_000))).ToArray())
            .Set("ts_us", Enumerable.Range(0, rows).Select(_ => Maybe(() => epochMs.AddTicks(random.NextInt64(-1_000_000_000_000_000, 1_000_000_000_000_000) * TimeSpan.TicksPerMicrosecond))).ToArray())
            .Set("lambdas", Enumerable.Range(0, rows).Select(_ => random.Next(5) switch
            {
                0 => null,
                1 => [],
                _ => Enumerable.Range(0, random.Next(1, 40)).Select(_ => (float)(1 + random.NextDouble() * 10)).ToArray(),
            }).ToArray())
            .Set("dl", Enumerable.Range(0, rows).Select(_ => random.Next(4) == 0
                ? []
                : Enumerable.Range(0, random.Next(1, 6)).Select(_ => AnyDouble()).ToArray()).ToArray());
    }

    /// <summary>Asserts every column of <paramref name="actual"/> equals <paramref name="expected"/> exactly (floats bit for bit).</summary>
    public static void AssertSameRows(ParquetRowGroup expected, ParquetRowGroup actual)
    {
        Assert.Equal(expected.Schema, actual.Schema);
        Assert.Equal(expected.RowCount, actual.RowCount);
        foreach (var column in expected.Schema.Columns)
        {
            var name = column.Name;
            switch (column.Kind, column.IsOptional)
            {
                case (ParquetColumnKind.Int32, false): Assert.Equal(expected.Get<int>(name), actual.Get<int>(name)); break;
                case (ParquetColumnKind.Int32, true): Assert.Equal(expected.Get<int?>(name), actual.Get<int?>(name)); break;
                case (ParquetColumnKind.Int64, false): Assert.Equal(expected.Get<long>(name), actual.Get<long>(name)); break;
                case (ParquetColumnKind.Int64, true): Assert.Equal(expected.Get<long?>(name), actual.Get<long?>(name)); break;
                case (ParquetColumnKind.Boolean, false): Assert.Equal(expected.Get<bool>(name), actual.Get<bool>(name)); break;
                case (ParquetColumnKind.Boolean, true): Assert.Equal(expected.Get<bool?>(name), actual.Get<bool?>(name)); break;
                case (ParquetColumnKind.String, _): Assert.Equal(expected.Get<string>(name), actual.Get<string>(name)); break;
                case (ParquetColumnKind.Double, false): Assert.Equal(Bits(expected.Get<double>(name)), Bits(actual.Get<double>(name))); break;
                case (ParquetColumnKind.Double, true):
                    Assert.Equal(expected.Get<double?>(name).Select(d => d is { } v ? Bits(v) : (long?)null), actual.Get<double?>(name).Select(d => d is { } v ? Bits(v) : (long?)null));
                    break;
                case (ParquetColumnKind.Float, false): Assert.Equal(Bits(expected.Get<float>(name)), Bits(actual.Get<float>(name))); break;
                case (ParquetColumnKind.Float, true):
                    Assert.Equal(expected.Get<float?>(name).Select(f => f is { } v ? Bits(v) : (int?)null), actual.Get<float?>(name).Select(f => f is { } v ? Bits(v) : (int?)null));
                    break;
                case (ParquetColumnKind.TimestampMillis or ParquetColumnKind.TimestampMicros, false):
                    AssertInstants(expected.Get<DateTimeOffset>(name).Select(t => (DateTimeOffset?)t), actual.Get<DateTimeOffset>(name).Select(t => (DateTimeOffset?)t));
                    break;
                case (ParquetColumnKind.TimestampMillis or ParquetColumnKind.TimestampMicros, true):
                    AssertInstants(expected.Get<DateTimeOffset?>(name), actual.Get<DateTimeOffset?>(name));
                    break;
                case (ParquetColumnKind.FloatList, _):
                    Assert.Equal(expected.Get<float[]>(name).Select(l => l is null ? null : Bits(l)), actual.Get<float[]>(name).Select(l => l is null ? null : Bits(l)));
                    break;
                case (ParquetColumnKind.DoubleList, _):
                    Assert.Equal(expected.Get<double[]>(name).Select(l => l is null ? null : Bits(l)), actual.Get<double[]>(name).Select(l => l is null ? null : Bits(l)));
                    break;
                default:
                    Assert.Fail($"no comparison for {column}");
                    break;
            }
        }
    }

    public static long Bits(double d) => BitConverter.DoubleToInt64Bits(d);

    public static int Bits(float f) => BitConverter.SingleToInt32Bits(f);

    public static long[] Bits(double[] values) => values.Select(Bits).ToArray();

    public static int[] Bits(float[] values) => values.Select(Bits).ToArray();

    /// <summary>Same instants, and read back as UTC (offset zero).</summary>
    private static void AssertInstants(IEnumerable<DateTimeOffset?> expected, IEnumerable<DateTimeOffset?> actual)
    {
        var actualList = actual.ToList();
        Assert.Equal(expected.Select(t => t?.UtcTicks), actualList.Select(t => t?.UtcTicks));
        Assert.All(actualList, t => Assert.True(t is null || t.Value.Offset == TimeSpan.Zero));
    }
}
