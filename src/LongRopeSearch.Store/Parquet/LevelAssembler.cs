using LongRopeSearch.Core;

namespace LongRopeSearch.Store.Parquet;

/// <summary>
/// Rebuilds rows of one column from the level entries and leaf values of its pages, in order (a list row may span
/// pages). Flat column: each entry is a row, present when its definition level is the maximum (or there are no levels).
/// List column: repetition 0 starts a row; definition below <see cref="LeafLayout.EmptyListDefinition"/> is a null
/// row, equal to it an empty list, the maximum an element. Null list elements are refused: our lists have none.
/// </summary>
internal sealed class LevelAssembler
{
    private readonly LeafLayout _layout;
    private readonly string _source;
    private readonly string _what;
    private readonly List<bool> _rowPresent = [];
    private readonly List<int> _leafOffsets = [0];
    private readonly List<Array> _leafParts = [];
    private int _leafCount;
    private bool _rowOpen;

    public LevelAssembler(LeafLayout layout, string source, string what)
    {
        _layout = layout;
        _source = source;
        _what = what;
    }

    /// <param name="repetition">[count] or null when the column has no repetition levels.</param>
    /// <param name="definition">[count] or null when the column has no definition levels.</param>
    /// <param name="count">Level entries (num_values) of the page.</param>
    /// <param name="values">[entries at max definition]: the page's PLAIN-decoded leaf values.</param>
    public void Add(int[]? repetition, int[]? definition, int count, Array values)
    {
        _leafParts.Add(values);
        if (!_layout.Column.IsList)
        {
            for (var i = 0; i < count; i++)
            {
                var present = definition is null || definition[i] == _layout.MaxDefinition;
                _rowPresent.Add(present);
                if (present) _leafCount++;
                _leafOffsets.Add(_leafCount);
            }
            return;
        }

        for (var i = 0; i < count; i++)
        {
            var rep = repetition![i];
            var def = definition?[i] ?? _layout.MaxDefinition;
            if (rep == 0)
            {
                if (_rowOpen) _leafOffsets.Add(_leafCount);
                _rowOpen = true;
                _rowPresent.Add(def >= _layout.EmptyListDefinition);
            }
            else if (!_rowOpen)
            {
                throw new InputException(_source, _what, "repetition level 0 at the start of the column chunk", $"{rep}");
            }

            if (def == _layout.MaxDefinition)
            {
                _leafCount++;
            }
            else if (def > _layout.EmptyListDefinition)
            {
                throw new InputException(_source, $"{_what} row {_rowPresent.Count - 1}", "list elements that are not null", "a null element");
            }
            else if (rep != 0)
            {
                throw new InputException(_source, $"{_what} row {_rowPresent.Count - 1}", "an element after repetition level 1", $"definition level {def}");
            }
        }
    }

    /// <summary>Closes the last row and checks the row count against the row group's num_rows.</summary>
    public ColumnData Finish(long expectedRows)
    {
        if (_rowOpen)
        {
            _leafOffsets.Add(_leafCount);
            _rowOpen = false;
        }
        if (_rowPresent.Count != expectedRows)
        {
            throw new InputException(_source, _what, $"{expectedRows} rows (the row group's num_rows)", $"{_rowPresent.Count}");
        }
        var leafCountInParts = _leafParts.Sum(p => (long)p.Length);
        if (leafCountInParts != _leafCount)
        {
            throw new InputException(_source, _what, $"{_leafCount} values (entries at the maximum definition level)", $"{leafCountInParts}");
        }
        var elementType = PlainEncoding.LeafArrayType(_layout.Physical).GetElementType()!;
        var leaf = Array.CreateInstance(elementType, _leafCount);
        var at = 0;
        foreach (var part in _leafParts)
        {
            Array.Copy(part, 0, leaf, at, part.Length);
            at += part.Length;
        }
        bool[]? present = null;
        if (_layout.Column.IsOptional) present = [.. _rowPresent];
        else if (_rowPresent.Contains(false)) throw new InputException(_source, _what, "no null rows (the column is required)", "a null row");
        return new ColumnData(_rowPresent.Count, present, [.. _leafOffsets], leaf);
    }
}
