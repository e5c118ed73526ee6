using System.Globalization;
using LongRopeSearch.Core;
using Parquet;
using Parquet.Schema;

namespace LongRopeSearch.Model;

/// <summary>
/// A Parquet file (one shard of a Hugging Face dataset, say) as documents: one per row, in row order, the text being
/// the string column named by `--text-field` (default "text"); other columns are ignored. Rows are named
/// "name:row" with rows counted from 0 across the file's row groups (the index the dataset's own readers give).
/// Read one row group at a time, so a shard need not fit in memory twice. A file Parquet.Net cannot read, a missing
/// or non-string column, or a null text is an <see cref="InputException"/> naming the file (and the row).
/// </summary>
internal static class ParquetDocuments
{
    public const string Extension = ".parquet";

    public static IEnumerable<Document> Read(string file, string name, string textField)
    {
        using var stream = Open(file);
        var reader = Guard(file, () => ParquetReader.CreateAsync(stream).GetAwaiter().GetResult());
        try
        {
            var field = TextColumn(file, reader.Schema, textField);
            long row = 0;
            for (int g = 0; g < reader.RowGroupCount; g++)
            {
                var texts = Guard(file, () => ReadGroup(reader, g, field));
                foreach (var text in texts)
                {
                    var origin = string.Create(CultureInfo.InvariantCulture, $"{file}, row {row}");
                    if (text is null)
                        throw new InputException(file, string.Create(CultureInfo.InvariantCulture, $"row {row}: {textField}"), "a string (the document's text)", "null");
                    var content = new DocumentContent.Text(DocumentText.FromString(origin, text));
                    yield return new Document(string.Create(CultureInfo.InvariantCulture, $"{name}:{row}"), origin, () => content);
                    row++;
                }
            }
        }
        finally
        {
            reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static FileStream Open(string file)
    {
        try
        {
            return File.OpenRead(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(file, "", "a readable Parquet file", e.Message, e);
        }
    }

    private static string?[] ReadGroup(ParquetReader reader, int group, DataField field)
    {
        using var rg = reader.OpenRowGroupReader(group);
        var values = new string?[checked((int)rg.RowCount)]; // [rows of the group]
        rg.ReadAsync(field, values.AsMemory()).AsTask().GetAwaiter().GetResult();
        return values;
    }

    private static DataField TextColumn(string file, ParquetSchema schema, string textField)
    {
        var columns = schema.Fields.Select(f => f.Name).ToList();
        var field = schema.GetDataFields().FirstOrDefault(f => f.Name == textField && f.Path.ToList().Count == 1);
        if (field is null)
            throw new InputException(file, textField, $"a string column \"{textField}\" holding each document's text (--text-field)",
                "columns " + string.Join(", ", columns.Take(20)));
        if ((field.ClrType != typeof(string) && field.ClrType != typeof(ReadOnlyMemory<char>)) || field.IsArray)
            throw new InputException(file, textField, "a string column (the documents' text)", $"a column of {field.ClrType.Name}{(field.IsArray ? " lists" : "")}");
        return field;
    }

    /// <summary>Anything Parquet.Net throws while decoding is the file's fault: one line naming it.</summary>
    private static T Guard<T>(string file, Func<T> read)
    {
        try
        {
            return read();
        }
        catch (InputException)
        {
            throw;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            throw new InputException(file, "", "a readable Parquet file", $"an unreadable file ({e.GetType().Name}: {e.Message})", e);
        }
    }
}
