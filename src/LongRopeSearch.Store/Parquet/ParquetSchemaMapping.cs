using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// Where a column's leaf sits in the Parquet schema tree and the level values that describe its rows.
/// Flat column: max repetition 0, max definition 1 if optional else 0.
/// List column (<c>&lt;opt|req&gt; group name (LIST) { repeated group list { &lt;opt|req&gt; T element; } }</c>):
/// max repetition 1; definition <see cref="EmptyListDefinition"/> marks an empty list, one less a null list,
/// and <see cref="MaxDefinition"/> an element (an optional element adds one level; its null is one below max).
/// </summary>
internal sealed record LeafLayout(
    ParquetColumn Column,
    PhysicalType Physical,
    IReadOnlyList<string> Path,
    bool ElementOptional)
{
    public int MaxRepetition => Column.IsList ? 1 : 0;

    public int EmptyListDefinition => Column.IsOptional ? 1 : 0;

    public int MaxDefinition => Column.IsList
        ? EmptyListDefinition + 1 + (ElementOptional ? 1 : 0)
        : Column.IsOptional ? 1 : 0;
}

/// <summary>Translates a <see cref="ParquetSchema"/> to parquet.thrift SchemaElements and back.</summary>
internal static class ParquetSchemaMapping
{
    private const string RootName = "schema";

    public static PhysicalType PhysicalOf(ParquetColumnKind kind) => kind switch
    {
        ParquetColumnKind.Int32 => PhysicalType.Int32,
        ParquetColumnKind.Int64 or ParquetColumnKind.TimestampMillis or ParquetColumnKind.TimestampMicros => PhysicalType.Int64,
        ParquetColumnKind.Float or ParquetColumnKind.FloatList => PhysicalType.Float,
        ParquetColumnKind.Double or ParquetColumnKind.DoubleList => PhysicalType.Double,
        ParquetColumnKind.Boolean => PhysicalType.Boolean,
        ParquetColumnKind.String => PhysicalType.ByteArray,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown column kind"),
    };

    /// <summary>The leaves our writer produces: list elements are required and named "list"/"element" as LogicalTypes.md asks.</summary>
    public static LeafLayout[] Layouts(ParquetSchema schema) =>
        schema.Columns
            .Select(c => new LeafLayout(c, PhysicalOf(c.Kind), c.IsList ? [c.Name, "list", "element"] : [c.Name], ElementOptional: false))
            .ToArray();

    /// <summary>The depth-first flattened tree: root, then per column its node(s).</summary>
    public static List<SchemaElement> ToSchemaElements(ParquetSchema schema)
    {
        var elements = new List<SchemaElement> { new() { Name = RootName, NumChildren = schema.Columns.Count } };
        foreach (var column in schema.Columns)
        {
            var repetition = column.IsOptional ? FieldRepetition.Optional : FieldRepetition.Required;
            if (column.IsList)
            {
                elements.Add(new SchemaElement
                {
                    Name = column.Name,
                    Repetition = repetition,
                    NumChildren = 1,
                    ConvertedType = ConvertedType.List,
                    LogicalType = new LogicalTypeInfo(LogicalKind.List),
                });
                elements.Add(new SchemaElement { Name = "list", Repetition = FieldRepetition.Repeated, NumChildren = 1 });
                elements.Add(new SchemaElement { Name = "element", Repetition = FieldRepetition.Required, Type = PhysicalOf(column.Kind) });
                continue;
            }
            var leaf = new SchemaElement { Name = column.Name, Repetition = repetition, Type = PhysicalOf(column.Kind) };
            switch (column.Kind)
            {
                case ParquetColumnKind.String:
                    leaf.ConvertedType = ConvertedType.Utf8;
                    leaf.LogicalType = new LogicalTypeInfo(LogicalKind.String);
                    break;
                case ParquetColumnKind.TimestampMillis:
                    leaf.ConvertedType = ConvertedType.TimestampMillis;
                    leaf.LogicalType = new LogicalTypeInfo(LogicalKind.Timestamp, IsAdjustedToUtc: true, TimeUnit.Millis);
                    break;
                case ParquetColumnKind.TimestampMicros:
                    leaf.ConvertedType = ConvertedType.TimestampMicros;
                    leaf.LogicalType = new LogicalTypeInfo(LogicalKind.Timestamp, IsAdjustedToUtc: true, TimeUnit.Micros);
                    break;
            }
            elements.Add(leaf);
        }
        return elements;
    }

    /// <summary>
    /// Reads the schema tree back. Accepts what our writer writes (and the same shapes from other writers, e.g. optional
    /// list elements or other names for the list's middle/leaf nodes); anything else is an <see cref="InputException"/>.
    /// </summary>
    public static (ParquetSchema Schema, LeafLayout[] Layouts) FromSchemaElements(IReadOnlyList<SchemaElement> elements, string source)
    {
        if (elements.Count == 0 || elements[0].NumChildren is not { } rootChildren || elements[0].Type is not null)
        {
            throw new InputException(source, "footer schema", "a root group element with num_children", elements.Count == 0 ? "an empty schema" : "a root without children");
        }
        var layouts = new List<LeafLayout>();
        var next = 1;
        for (var child = 0; child < rootChildren; child++)
        {
            var element = At(elements, next++, source);
            if (element.NumChildren is { } groupChildren)
            {
                layouts.Add(ReadList(elements, element, groupChildren, ref next, source));
                continue;
            }
            var kind = LeafKind(element, source, element.Name);
            var column = new ParquetColumn(element.Name, kind, IsOptional(element, source));
            layouts.Add(new LeafLayout(column, element.Type!.Value, [element.Name], ElementOptional: false));
        }
        if (next != elements.Count)
        {
            throw new InputException(source, "footer schema", $"{next} elements for {rootChildren} top-level columns", $"{elements.Count} elements");
        }
        try
        {
            return (new ParquetSchema(layouts.Select(l => l.Column)), layouts.ToArray());
        }
        catch (ArgumentException e)
        {
            throw new InputException(source, "footer schema", "unique, non-empty column names", e.Message, e);
        }
    }

    private static LeafLayout ReadList(IReadOnlyList<SchemaElement> elements, SchemaElement outer, int children, ref int next, string source)
    {
        var field = $"schema column '{outer.Name}'";
        var isList = outer.LogicalType?.Kind == LogicalKind.List || outer.ConvertedType == ConvertedType.List;
        if (!isList || children != 1)
        {
            throw new InputException(source, field, "a flat column or a LIST group with one child", $"a group with {children} children");
        }
        var middle = At(elements, next++, source);
        if (middle.Repetition != FieldRepetition.Repeated || middle.NumChildren != 1)
        {
            throw new InputException(source, field, "the 3-level LIST structure: a repeated group with one child inside the LIST group",
                $"'{middle.Name}' ({middle.Repetition}, {middle.NumChildren ?? 0} children)");
        }
        var leaf = At(elements, next++, source);
        if (leaf.NumChildren is not null) throw new InputException(source, field, "a primitive list element", $"group '{leaf.Name}'");
        var elementKind = LeafKind(leaf, source, field);
        var kind = elementKind switch
        {
            ParquetColumnKind.Float => ParquetColumnKind.FloatList,
            ParquetColumnKind.Double => ParquetColumnKind.DoubleList,
            _ => throw new InputException(source, field, "a list of FLOAT or DOUBLE elements", $"a list of {elementKind}"),
        };
        var column = new ParquetColumn(outer.Name, kind, IsOptional(outer, source));
        return new LeafLayout(column, leaf.Type!.Value, [outer.Name, middle.Name, leaf.Name], ElementOptional: IsOptional(leaf, source));
    }

    private static ParquetColumnKind LeafKind(SchemaElement e, string source, string column)
    {
        var logical = e.LogicalType;
        var found = $"{e.Type?.ToString() ?? "no physical type"}" +
                    (logical is null ? "" : $", logical {logical.Kind}") +
                    (e.ConvertedType is { } ct ? $", converted {ct}" : "");
        var kind = e.Type switch
        {
            PhysicalType.Boolean when logical is null => ParquetColumnKind.Boolean,
            PhysicalType.Float when logical is null => ParquetColumnKind.Float,
            PhysicalType.Double when logical is null => ParquetColumnKind.Double,
            PhysicalType.Int32 when logical is null && e.ConvertedType is null => ParquetColumnKind.Int32,
            PhysicalType.Int64 when logical is null && e.ConvertedType is null => ParquetColumnKind.Int64,
            PhysicalType.Int64 => TimestampKind(e),
            PhysicalType.ByteArray when logical?.Kind == LogicalKind.String || (logical is null && e.ConvertedType == ConvertedType.Utf8)
                => ParquetColumnKind.String,
            _ => (ParquetColumnKind?)null,
        };
        return kind ?? throw new InputException(source, column == e.Name ? $"schema column '{column}'" : column,
            "INT32, INT64, FLOAT, DOUBLE, BOOLEAN, BYTE_ARRAY (STRING) or INT64 TIMESTAMP(MILLIS|MICROS)", found);
    }

    // Timestamps that are not adjusted to UTC are read as UTC instants: this project writes only UTC ones.
    private static ParquetColumnKind? TimestampKind(SchemaElement e) => e.LogicalType switch
    {
        { Kind: LogicalKind.Timestamp, Unit: TimeUnit.Millis } => ParquetColumnKind.TimestampMillis,
        { Kind: LogicalKind.Timestamp, Unit: TimeUnit.Micros } => ParquetColumnKind.TimestampMicros,
        null when e.ConvertedType == ConvertedType.TimestampMillis => ParquetColumnKind.TimestampMillis,
        null when e.ConvertedType == ConvertedType.TimestampMicros => ParquetColumnKind.TimestampMicros,
        _ => null,
    };

    private static bool IsOptional(SchemaElement e, string source) => e.Repetition switch
    {
        FieldRepetition.Required => false,
        FieldRepetition.Optional => true,
        _ => throw new InputException(source, $"schema element '{e.Name}'", "repetition REQUIRED or OPTIONAL", e.Repetition?.ToString() ?? "none"),
    };

    private static SchemaElement At(IReadOnlyList<SchemaElement> elements, int index, string source)
    {
        if (index >= elements.Count) throw new InputException(source, "footer schema", $"an element at position {index}", $"only {elements.Count} elements");
        var e = elements[index];
        if (string.IsNullOrEmpty(e.Name)) throw new InputException(source, $"footer schema element {index}", "a name", "none");
        return e;
    }
}
