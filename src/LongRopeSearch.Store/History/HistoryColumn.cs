using System.Globalization;
using Parquet;
using Parquet.Schema;

namespace LongRopeSearch.Store.History;

/// <summary>
/// One column of history.parquet: its name, the Parquet field it is stored as, the SQL type DuckDB (and so
/// `longrope query`) shows for it, whether two uninterrupted runs of the same job write the same value in it, and
/// how a <see cref="HistoryRow"/> gives and takes its value. <see cref="HistorySchema.Columns"/> lists them; the
/// writer, the reader, the deterministic comparison and the DuckDB interop test all iterate that one list.
/// </summary>
public abstract class HistoryColumn
{
    private protected HistoryColumn(string name, string sqlType, bool deterministic)
    {
        Name = name;
        SqlType = sqlType;
        Deterministic = deterministic;
    }

    public string Name { get; }

    /// <summary>The type DuckDB reports for the column (DESCRIBE), e.g. "DOUBLE[]".</summary>
    public string SqlType { get; }

    /// <summary>False for the wall-clock columns (seconds, timestamp): they differ between two runs of one job.</summary>
    public bool Deterministic { get; }

    /// <summary>The row's value as the row holds it (string, int, long, double, double[], bool, DateTimeOffset).</summary>
    public abstract object Value(HistoryRow row);

    /// <summary>The row's value as exact text: doubles in round-trip form, so equal text means equal bits.</summary>
    public abstract string Text(HistoryRow row);

    /// <summary>The Parquet.Net field; a fresh instance per call, because a schema takes ownership of its fields.</summary>
    internal abstract Field NewField();

    /// <summary>Writes this column of <paramref name="rows"/> as the next column chunk of the row group.</summary>
    internal abstract Task WriteAsync(ParquetRowGroupWriter group, DataField field, IReadOnlyList<HistoryRow> rows);

    /// <summary>Reads this column of the row group into <paramref name="rows"/> (one per row of the group).</summary>
    internal abstract Task ReadAsync(ParquetRowGroupReader group, DataField field, HistoryRow[] rows);

    internal static HistoryColumn Text(string name, Func<HistoryRow, string> get, Func<HistoryRow, string, HistoryRow> set) =>
        new StringColumn(name, get, set);

    internal static HistoryColumn Int32(string name, Func<HistoryRow, int> get, Func<HistoryRow, int, HistoryRow> set) =>
        new ScalarColumn<int>(name, "INTEGER", true, get, set, v => v.ToString(CultureInfo.InvariantCulture));

    internal static HistoryColumn Int64(string name, Func<HistoryRow, long> get, Func<HistoryRow, long, HistoryRow> set) =>
        new ScalarColumn<long>(name, "BIGINT", true, get, set, v => v.ToString(CultureInfo.InvariantCulture));

    internal static HistoryColumn Double(string name, Func<HistoryRow, double> get, Func<HistoryRow, double, HistoryRow> set, bool deterministic = true) =>
        new ScalarColumn<double>(name, "DOUBLE", deterministic, get, set, Exact);

    internal static HistoryColumn Boolean(string name, Func<HistoryRow, bool> get, Func<HistoryRow, bool, HistoryRow> set) =>
        new ScalarColumn<bool>(name, "BOOLEAN", true, get, set, v => v ? "true" : "false");

    internal static HistoryColumn DoubleList(string name, Func<HistoryRow, double[]> get, Func<HistoryRow, double[], HistoryRow> set) =>
        new DoubleListColumn(name, get, set);

    internal static HistoryColumn Timestamp(string name, Func<HistoryRow, DateTimeOffset> get, Func<HistoryRow, DateTimeOffset, HistoryRow> set) =>
        new TimestampColumn(name, get, set);

    private static string Exact(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>A required (non-null) primitive column: int32, int64, double or boolean.</summary>
    private sealed class ScalarColumn<T>(string name, string sqlType, bool deterministic,
        Func<HistoryRow, T> get, Func<HistoryRow, T, HistoryRow> set, Func<T, string> text)
        : HistoryColumn(name, sqlType, deterministic) where T : struct
    {
        public override object Value(HistoryRow row) => get(row);

        public override string Text(HistoryRow row) => text(get(row));

        internal override Field NewField() => new DataField<T>(Name, nullable: false);

        internal override Task WriteAsync(ParquetRowGroupWriter group, DataField field, IReadOnlyList<HistoryRow> rows) =>
            group.WriteAsync<T>(field, rows.Select(get).ToArray().AsMemory());

        internal override async Task ReadAsync(ParquetRowGroupReader group, DataField field, HistoryRow[] rows)
        {
            var values = new T[rows.Length]; // [rows of the group]
            await group.ReadAsync<T>(field, values.AsMemory());
            for (int i = 0; i < rows.Length; i++) rows[i] = set(rows[i], values[i]);
        }
    }

    /// <summary>A required UTF-8 string column (logical type STRING).</summary>
    private sealed class StringColumn(string name, Func<HistoryRow, string> get, Func<HistoryRow, string, HistoryRow> set)
        : HistoryColumn(name, "VARCHAR", true)
    {
        public override object Value(HistoryRow row) => get(row);

        public override string Text(HistoryRow row) => get(row);

        internal override Field NewField() => new DataField<string>(Name, nullable: false);

        internal override Task WriteAsync(ParquetRowGroupWriter group, DataField field, IReadOnlyList<HistoryRow> rows) =>
            group.WriteAsync(field, rows.Select(get).ToArray());

        internal override async Task ReadAsync(ParquetRowGroupReader group, DataField field, HistoryRow[] rows)
        {
            var values = new string?[rows.Length]; // [rows of the group]
            await group.ReadAsync(field, values.AsMemory());
            for (int i = 0; i < rows.Length; i++) rows[i] = set(rows[i], values[i] ?? "");
        }
    }

    /// <summary>
    /// A list of doubles: the standard three-level LIST (optional group name (LIST) { repeated group list { required
    /// double element } }). Levels per stored slot: definition 2 = an element, 1 = an empty list (no value stored);
    /// repetition 0 = the slot starts a new row, 1 = it continues the row's list.
    /// </summary>
    private sealed class DoubleListColumn(string name, Func<HistoryRow, double[]> get, Func<HistoryRow, double[], HistoryRow> set)
        : HistoryColumn(name, "DOUBLE[]", true)
    {
        private const int ElementDefinition = 2;
        private const int EmptyListDefinition = 1;

        public override object Value(HistoryRow row) => get(row);

        public override string Text(HistoryRow row) => "[" + string.Join(",", get(row).Select(Exact)) + "]";

        internal override Field NewField() => new ListField(Name, new DataField<double>(ListField.ElementName, nullable: false));

        internal override Task WriteAsync(ParquetRowGroupWriter group, DataField field, IReadOnlyList<HistoryRow> rows)
        {
            var lists = rows.Select(get).ToArray();
            int slots = lists.Sum(l => Math.Max(1, l.Length));
            var values = new double[lists.Sum(l => l.Length)]; // [all elements of all rows, row after row]
            var definition = new int[slots];                    // [slots]: one per element, or one for an empty list
            var repetition = new int[slots];                    // [slots]
            int v = 0, s = 0;
            foreach (var list in lists)
            {
                if (list.Length == 0)
                {
                    definition[s] = EmptyListDefinition;
                    repetition[s++] = 0;
                    continue;
                }
                for (int j = 0; j < list.Length; j++)
                {
                    values[v++] = list[j];
                    definition[s] = ElementDefinition;
                    repetition[s++] = j == 0 ? 0 : 1;
                }
            }
            return group.WriteAllPartsAsync<double>(field, values, definition, repetition, CancellationToken.None);
        }

        internal override async Task ReadAsync(ParquetRowGroupReader group, DataField field, HistoryRow[] rows)
        {
            var slots = checked((int)(group.GetMetadata(field)?.MetaData?.NumValues ?? 0));
            var values = new double[slots];     // [slots] (only the first "elements" are filled)
            var definition = new int[slots];    // [slots]
            var repetition = new int[slots];    // [slots]
            await group.ReadRawAsync<double>(field, values, definition, repetition);
            int row = -1, v = 0;
            var current = new List<double>();
            for (int s = 0; s < slots; s++)
            {
                if (repetition[s] == 0)
                {
                    if (row >= 0) rows[row] = set(rows[row], [.. current]);
                    row++;
                    current.Clear();
                }
                if (definition[s] == ElementDefinition) current.Add(values[v++]);
                else if (definition[s] != EmptyListDefinition) throw new InvalidDataException($"column {Name}: a null list or element (definition level {definition[s]}) where history.parquet has none");
            }
            if (row >= 0) rows[row] = set(rows[row], [.. current]);
            if (row + 1 != rows.Length) throw new InvalidDataException($"column {Name}: {row + 1} lists in a row group of {rows.Length} rows");
        }
    }

    /// <summary>
    /// INT64 with logical type TIMESTAMP(isAdjustedToUTC = true, unit = MILLIS): an instant, which DuckDB reads as
    /// TIMESTAMP WITH TIME ZONE. Sub-millisecond ticks are dropped on write.
    /// </summary>
    private sealed class TimestampColumn(string name, Func<HistoryRow, DateTimeOffset> get, Func<HistoryRow, DateTimeOffset, HistoryRow> set)
        : HistoryColumn(name, "TIMESTAMP WITH TIME ZONE", false)
    {
        public override object Value(HistoryRow row) => get(row);

        public override string Text(HistoryRow row) => get(row).ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

        internal override Field NewField() =>
            new DateTimeDataField(Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis, isNullable: false);

        // Parquet.Net converts a DateTime's ticks as they are (it does not shift a local time for MILLIS), so the
        // writer hands it UTC.
        internal override Task WriteAsync(ParquetRowGroupWriter group, DataField field, IReadOnlyList<HistoryRow> rows) =>
            group.WriteAsync<DateTime>(field, rows.Select(r => get(r).UtcDateTime).ToArray().AsMemory());

        internal override async Task ReadAsync(ParquetRowGroupReader group, DataField field, HistoryRow[] rows)
        {
            var values = new DateTime[rows.Length]; // [rows of the group], UTC
            await group.ReadAsync<DateTime>(field, values.AsMemory());
            for (int i = 0; i < rows.Length; i++)
                rows[i] = set(rows[i], new DateTimeOffset(DateTime.SpecifyKind(values[i], DateTimeKind.Utc)));
        }
    }
}
