using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// One column of one row group in the form both the writer and the reader work with, whatever the column kind:
/// which rows are present, and the non-null leaf values with each row's slice of them.
/// A flat row holds one leaf value when present, none when null; a list row holds its elements.
/// </summary>
internal sealed class ColumnData
{
    public ColumnData(int rowCount, bool[]? rowPresent, int[] leafOffsets, Array leaf)
    {
        RowCount = rowCount;
        RowPresent = rowPresent;
        LeafOffsets = leafOffsets;
        Leaf = leaf;
    }

    public int RowCount { get; }

    /// <summary>[rows]: false for a null row; null when every row is present.</summary>
    public bool[]? RowPresent { get; }

    /// <summary>[rows + 1]: row r's leaf values are Leaf[LeafOffsets[r] .. LeafOffsets[r + 1]).</summary>
    public int[] LeafOffsets { get; }

    /// <summary>[leaf values]: int[], long[], float[], double[], bool[] or byte[][] (UTF-8), see <see cref="PlainEncoding"/>.</summary>
    public Array Leaf { get; }

    public bool IsPresent(int row) => RowPresent is null || RowPresent[row];

    public int NullCount => RowPresent is null ? 0 : RowPresent.Count(p => !p);
}

/// <summary>Converts between the CLR arrays of <see cref="ParquetRowGroup"/> (see <see cref="ParquetColumn.ClrType"/>) and <see cref="ColumnData"/>.</summary>
internal static class ColumnDataConversion
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Validates a caller's array against the column and converts it; misuse is an <see cref="ArgumentException"/>.</summary>
    public static ColumnData FromClr(ParquetColumn column, Array values)
    {
        return column.Kind switch
        {
            ParquetColumnKind.Int32 => FromValues<int, int>(column, values, v => v),
            ParquetColumnKind.Int64 => FromValues<long, long>(column, values, v => v),
            ParquetColumnKind.Float => FromValues<float, float>(column, values, v => v),
            ParquetColumnKind.Double => FromValues<double, double>(column, values, v => v),
            ParquetColumnKind.Boolean => FromValues<bool, bool>(column, values, v => v),
            ParquetColumnKind.TimestampMillis => FromValues<DateTimeOffset, long>(column, values, TimestampCodec.ToUnixMillis),
            ParquetColumnKind.TimestampMicros => FromValues<DateTimeOffset, long>(column, values, TimestampCodec.ToUnixMicros),
            ParquetColumnKind.String => FromStrings(column, values),
            ParquetColumnKind.FloatList => FromLists<float>(column, values),
            ParquetColumnKind.DoubleList => FromLists<double>(column, values),
            _ => throw new ArgumentOutOfRangeException(nameof(column), column.Kind, "unknown column kind"),
        };
    }

    /// <summary>Builds the CLR array for a decoded column; values a CLR type cannot hold are an <see cref="InputException"/>.</summary>
    public static Array ToClr(ParquetColumn column, ColumnData data, string source)
    {
        return column.Kind switch
        {
            ParquetColumnKind.Int32 => ToValues<int, int>(column, data, v => v),
            ParquetColumnKind.Int64 => ToValues<long, long>(column, data, v => v),
            ParquetColumnKind.Float => ToValues<float, float>(column, data, v => v),
            ParquetColumnKind.Double => ToValues<double, double>(column, data, v => v),
            ParquetColumnKind.Boolean => ToValues<bool, bool>(column, data, v => v),
            ParquetColumnKind.TimestampMillis => ToValues<long, DateTimeOffset>(column, data, v => TimestampCodec.FromUnixMillis(v, source, column.Name)),
            ParquetColumnKind.TimestampMicros => ToValues<long, DateTimeOffset>(column, data, v => TimestampCodec.FromUnixMicros(v, source, column.Name)),
            ParquetColumnKind.String => ToStrings(column, data, source),
            ParquetColumnKind.FloatList => ToLists<float>(data),
            ParquetColumnKind.DoubleList => ToLists<double>(data),
            _ => throw new ArgumentOutOfRangeException(nameof(column), column.Kind, "unknown column kind"),
        };
    }

    private static ColumnData FromValues<T, TLeaf>(ParquetColumn column, Array values, Func<T, TLeaf> toLeaf) where T : struct
    {
        // A non-nullable array is accepted for an optional column too: it simply has no nulls.
        if (values is T[] dense)
        {
            var leaf = new TLeaf[dense.Length];
            for (var i = 0; i < dense.Length; i++) leaf[i] = toLeaf(dense[i]);
            return new ColumnData(dense.Length, null, Identity(dense.Length), leaf);
        }
        if (values is T?[] nullable && column.IsOptional)
        {
            var present = new bool[nullable.Length];
            var offsets = new int[nullable.Length + 1];
            var leaf = new List<TLeaf>(nullable.Length);
            for (var i = 0; i < nullable.Length; i++)
            {
                if (nullable[i] is { } v)
                {
                    present[i] = true;
                    leaf.Add(toLeaf(v));
                }
                offsets[i + 1] = leaf.Count;
            }
            return new ColumnData(nullable.Length, present, offsets, leaf.ToArray());
        }
        throw WrongType(column, values);
    }

    private static ColumnData FromStrings(ParquetColumn column, Array values)
    {
        if (values is not string?[] strings) throw WrongType(column, values);
        var present = new bool[strings.Length];
        var offsets = new int[strings.Length + 1];
        var leaf = new List<byte[]>(strings.Length);
        for (var i = 0; i < strings.Length; i++)
        {
            if (strings[i] is { } s)
            {
                present[i] = true;
                try
                {
                    leaf.Add(StrictUtf8.GetBytes(s));
                }
                catch (EncoderFallbackException e)
                {
                    throw new ArgumentException($"column '{column.Name}' row {i}: the string is not valid UTF-16 (lone surrogate)", nameof(values), e);
                }
            }
            else if (!column.IsOptional)
            {
                throw new ArgumentException($"column '{column.Name}' is required but row {i} is null", nameof(values));
            }
            offsets[i + 1] = leaf.Count;
        }
        return new ColumnData(strings.Length, column.IsOptional ? present : null, offsets, leaf.ToArray());
    }

    private static ColumnData FromLists<T>(ParquetColumn column, Array values)
    {
        if (values is not T[]?[] lists) throw WrongType(column, values);
        var present = new bool[lists.Length];
        var offsets = new int[lists.Length + 1];
        long total = 0;
        for (var i = 0; i < lists.Length; i++)
        {
            if (lists[i] is null && !column.IsOptional)
            {
                throw new ArgumentException($"column '{column.Name}' is required but row {i} is null (use an empty array for an empty list)", nameof(values));
            }
            present[i] = lists[i] is not null;
            total += lists[i]?.Length ?? 0;
            if (total > Array.MaxLength) throw new ArgumentException($"column '{column.Name}' has more list elements than one array can hold", nameof(values));
            offsets[i + 1] = (int)total;
        }
        var leaf = new T[total];
        for (var i = 0; i < lists.Length; i++) lists[i]?.CopyTo(leaf, offsets[i]);
        return new ColumnData(lists.Length, column.IsOptional ? present : null, offsets, leaf);
    }

    private static Array ToValues<TLeaf, T>(ParquetColumn column, ColumnData data, Func<TLeaf, T> fromLeaf) where T : struct
    {
        var leaf = (TLeaf[])data.Leaf;
        if (!column.IsOptional)
        {
            var dense = new T[data.RowCount];
            for (var i = 0; i < dense.Length; i++) dense[i] = fromLeaf(leaf[data.LeafOffsets[i]]);
            return dense;
        }
        var nullable = new T?[data.RowCount];
        for (var i = 0; i < nullable.Length; i++)
        {
            if (data.IsPresent(i)) nullable[i] = fromLeaf(leaf[data.LeafOffsets[i]]);
        }
        return nullable;
    }

    private static string?[] ToStrings(ParquetColumn column, ColumnData data, string source)
    {
        var leaf = (byte[][])data.Leaf;
        var strings = new string?[data.RowCount];
        for (var i = 0; i < strings.Length; i++)
        {
            if (!data.IsPresent(i)) continue;
            try
            {
                strings[i] = StrictUtf8.GetString(leaf[data.LeafOffsets[i]]);
            }
            catch (DecoderFallbackException e)
            {
                throw new InputException(source, $"column '{column.Name}' row {i}", "UTF-8 text (STRING logical type)", "invalid UTF-8 bytes", e);
            }
        }
        return strings;
    }

    private static T[]?[] ToLists<T>(ColumnData data)
    {
        var leaf = (T[])data.Leaf;
        var lists = new T[]?[data.RowCount];
        for (var i = 0; i < lists.Length; i++)
        {
            if (data.IsPresent(i)) lists[i] = leaf[data.LeafOffsets[i]..data.LeafOffsets[i + 1]];
        }
        return lists;
    }

    private static int[] Identity(int rows)
    {
        var offsets = new int[rows + 1];
        for (var i = 0; i <= rows; i++) offsets[i] = i;
        return offsets;
    }

    private static ArgumentException WrongType(ParquetColumn column, Array values) =>
        new($"column '{column.Name}' ({column}) takes {FriendlyName(column.ClrType)}[] values, got {FriendlyName(values.GetType())}", nameof(values));

    internal static string FriendlyName(Type type) =>
        type.IsArray ? FriendlyName(type.GetElementType()!) + "[]"
        : Nullable.GetUnderlyingType(type) is { } underlying ? underlying.Name + "?"
        : type.Name;
}
