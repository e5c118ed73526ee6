namespace LongRopeSearch.Store.Parquet;

/// <summary>What a column holds, and so which Parquet physical/logical type it is written as.</summary>
public enum ParquetColumnKind
{
    /// <summary>INT32, no annotation. CLR: <c>int</c>.</summary>
    Int32,

    /// <summary>INT64, no annotation. CLR: <c>long</c>.</summary>
    Int64,

    /// <summary>FLOAT (IEEE 754 single). CLR: <c>float</c>.</summary>
    Float,

    /// <summary>DOUBLE. CLR: <c>double</c>.</summary>
    Double,

    /// <summary>BOOLEAN. CLR: <c>bool</c>.</summary>
    Boolean,

    /// <summary>BYTE_ARRAY, logical type STRING, converted type UTF8. CLR: <c>string</c>.</summary>
    String,

    /// <summary>INT64, TIMESTAMP(isAdjustedToUTC=true, MILLIS), converted type TIMESTAMP_MILLIS. CLR: <c>DateTimeOffset</c>.</summary>
    TimestampMillis,

    /// <summary>INT64, TIMESTAMP(isAdjustedToUTC=true, MICROS), converted type TIMESTAMP_MICROS. CLR: <c>DateTimeOffset</c>.</summary>
    TimestampMicros,

    /// <summary>LIST of required FLOAT (3-level structure). CLR: <c>float[]</c> per row.</summary>
    FloatList,

    /// <summary>LIST of required DOUBLE (3-level structure). CLR: <c>double[]</c> per row.</summary>
    DoubleList,
}

/// <summary>
/// One column of a <see cref="ParquetSchema"/>. <paramref name="IsOptional"/> makes the column nullable; for list kinds
/// it makes the list itself nullable (its elements are always required: a row holds null, an empty list, or values).
/// </summary>
public sealed record ParquetColumn(string Name, ParquetColumnKind Kind, bool IsOptional = false)
{
    public bool IsList => Kind is ParquetColumnKind.FloatList or ParquetColumnKind.DoubleList;

    /// <summary>
    /// The element type of the array that holds this column's values in a <see cref="ParquetRowGroup"/>:
    /// e.g. <c>long</c> for a required Int64, <c>long?</c> for an optional one, <c>string</c> for String (null allowed
    /// only when optional), <c>float[]</c> for FloatList (a null row allowed only when optional).
    /// </summary>
    public Type ClrType => Kind switch
    {
        ParquetColumnKind.Int32 => IsOptional ? typeof(int?) : typeof(int),
        ParquetColumnKind.Int64 => IsOptional ? typeof(long?) : typeof(long),
        ParquetColumnKind.Float => IsOptional ? typeof(float?) : typeof(float),
        ParquetColumnKind.Double => IsOptional ? typeof(double?) : typeof(double),
        ParquetColumnKind.Boolean => IsOptional ? typeof(bool?) : typeof(bool),
        ParquetColumnKind.String => typeof(string),
        ParquetColumnKind.TimestampMillis or ParquetColumnKind.TimestampMicros =>
            IsOptional ? typeof(DateTimeOffset?) : typeof(DateTimeOffset),
        ParquetColumnKind.FloatList => typeof(float[]),
        ParquetColumnKind.DoubleList => typeof(double[]),
        _ => throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "unknown column kind"),
    };

    public override string ToString() => $"{Name}: {(IsOptional ? "optional " : "")}{Kind}";
}

/// <summary>
/// The columns of a Parquet file, in file order. Names are unique (ordinal comparison) and non-empty.
/// Two schemas are equal when their column lists are equal; the append log relies on that to refuse mixing files.
/// </summary>
public sealed class ParquetSchema : IEquatable<ParquetSchema>
{
    private readonly ParquetColumn[] _columns;
    private readonly Dictionary<string, int> _indexByName;

    public ParquetSchema(IEnumerable<ParquetColumn> columns)
    {
        ArgumentNullException.ThrowIfNull(columns);
        _columns = columns.ToArray();
        if (_columns.Length == 0) throw new ArgumentException("a Parquet schema needs at least one column", nameof(columns));
        _indexByName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _columns.Length; i++)
        {
            var column = _columns[i] ?? throw new ArgumentException($"column {i} is null", nameof(columns));
            if (string.IsNullOrEmpty(column.Name)) throw new ArgumentException($"column {i} has an empty name", nameof(columns));
            if (!Enum.IsDefined(column.Kind)) throw new ArgumentException($"column '{column.Name}' has unknown kind {column.Kind}", nameof(columns));
            if (!_indexByName.TryAdd(column.Name, i)) throw new ArgumentException($"duplicate column name '{column.Name}'", nameof(columns));
        }
    }

    public ParquetSchema(params ParquetColumn[] columns) : this((IEnumerable<ParquetColumn>)columns)
    {
    }

    public IReadOnlyList<ParquetColumn> Columns => _columns;

    public ParquetColumn this[string name] => _columns[IndexOf(name)];

    /// <summary>The position of the named column; throws <see cref="ArgumentException"/> naming the known columns if absent.</summary>
    public int IndexOf(string name) =>
        _indexByName.TryGetValue(name, out var index)
            ? index
            : throw new ArgumentException($"no column '{name}' in schema ({string.Join(", ", _columns.Select(c => c.Name))})", nameof(name));

    public bool Contains(string name) => _indexByName.ContainsKey(name);

    public bool Equals(ParquetSchema? other) => other is not null && _columns.AsSpan().SequenceEqual(other._columns);

    public override bool Equals(object? obj) => Equals(obj as ParquetSchema);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        foreach (var column in _columns) hash.Add(column);
        return hash.ToHashCode();
    }

    public override string ToString() => string.Join(", ", _columns.Select(c => c.ToString()));
}
