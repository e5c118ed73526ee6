namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// The rows of one Parquet row group, column by column. Build one to write (set every column with an array of
/// <see cref="RowCount"/> elements of the column's <see cref="ParquetColumn.ClrType"/>), or get one from
/// <see cref="ParquetFileReader"/> and read the columns back with <see cref="Get{T}"/>.
/// <code>
/// var rows = new ParquetRowGroup(schema, 3)
///     .Set("generation", new long[] { 4, 4, 4 })
///     .Set("ppl", new double?[] { 7.1, null, 6.9 })
///     .Set("lambda", new float[][] { [1f, 1.5f], [], [2f] });
/// </code>
/// Arrays are kept by reference: do not change them after <see cref="Set{T}"/>.
/// </summary>
public sealed class ParquetRowGroup
{
    private readonly Array?[] _clr;
    private readonly ColumnData?[] _data;
    private readonly string _source;

    public ParquetRowGroup(ParquetSchema schema, int rowCount)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentOutOfRangeException.ThrowIfNegative(rowCount);
        Schema = schema;
        RowCount = rowCount;
        _clr = new Array?[schema.Columns.Count];
        _data = new ColumnData?[schema.Columns.Count];
        _source = "row group";
    }

    /// <summary>A row group decoded by the reader: values arrive as <see cref="ColumnData"/> and become CLR arrays on demand.</summary>
    internal ParquetRowGroup(ParquetSchema schema, int rowCount, ColumnData[] columns, string source) : this(schema, rowCount)
    {
        columns.CopyTo(_data, 0);
        _source = source;
    }

    public ParquetSchema Schema { get; }

    public int RowCount { get; }

    /// <summary>
    /// Sets a column. <typeparamref name="T"/> must be the column's <see cref="ParquetColumn.ClrType"/>; an optional column
    /// also takes the non-nullable array (no nulls). Throws <see cref="ArgumentException"/> on a wrong type, a length other
    /// than <see cref="RowCount"/>, or a null in a required String or list column.
    /// </summary>
    public ParquetRowGroup Set<T>(string name, T[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var index = Schema.IndexOf(name);
        if (values.Length != RowCount)
        {
            throw new ArgumentException($"column '{name}' has {values.Length} values for a row group of {RowCount} rows", nameof(values));
        }
        var column = Schema.Columns[index];
        _data[index] = ColumnDataConversion.FromClr(column, values);
        // A non-nullable array given for an optional column is not what Get<T> promises; rebuild that on demand.
        _clr[index] = typeof(T) == column.ClrType ? values : null;
        return this;
    }

    /// <summary>
    /// The values of a column, <typeparamref name="T"/> being its <see cref="ParquetColumn.ClrType"/> (e.g. <c>long?</c>
    /// for an optional Int64, <c>float[]</c> for a FloatList, whose null entries are null lists).
    /// </summary>
    public T[] Get<T>(string name)
    {
        var index = Schema.IndexOf(name);
        var column = Schema.Columns[index];
        return GetColumnArray(index) as T[] ?? throw new ArgumentException(
            $"column '{name}' ({column}) holds {ColumnDataConversion.FriendlyName(column.ClrType)} values; " +
            $"call Get<{ColumnDataConversion.FriendlyName(column.ClrType)}>", nameof(T));
    }

    /// <summary>True when every column has been set (the writer checks this).</summary>
    public bool IsComplete => Array.TrueForAll(_data, d => d is not null);

    /// <summary>The canonical column data; throws naming the first missing column.</summary>
    internal ColumnData Column(int index) =>
        _data[index] ?? throw new InvalidOperationException($"column '{Schema.Columns[index].Name}' has not been set in this row group");

    /// <summary>Rows of several row groups of one schema, concatenated in order (what <see cref="ParquetFileReader.ReadAll"/> returns).</summary>
    public static ParquetRowGroup Concat(ParquetSchema schema, IReadOnlyList<ParquetRowGroup> parts)
    {
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(parts);
        if (parts.Any(p => !p.Schema.Equals(schema))) throw new ArgumentException("every part must have the given schema", nameof(parts));
        var total = parts.Sum(p => (long)p.RowCount);
        if (total > Array.MaxLength) throw new ArgumentException($"{total} rows do not fit in one row group", nameof(parts));
        var result = new ParquetRowGroup(schema, (int)total);
        for (var c = 0; c < schema.Columns.Count; c++)
        {
            var column = schema.Columns[c];
            var merged = Array.CreateInstance(column.ClrType, (int)total);
            var at = 0;
            foreach (var part in parts)
            {
                var values = part.GetColumnArray(c);
                Array.Copy(values, 0, merged, at, values.Length);
                at += values.Length;
            }
            result._clr[c] = merged;
            result._data[c] = ColumnDataConversion.FromClr(column, merged);
        }
        return result;
    }

    /// <summary>The column as an array of exactly <see cref="ParquetColumn.ClrType"/>.</summary>
    private Array GetColumnArray(int index)
    {
        return _clr[index] ??= ColumnDataConversion.ToClr(Schema.Columns[index], Column(index), _source);
    }
}
