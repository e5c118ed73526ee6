using Parquet;
using Parquet.Schema;

namespace LongRopeSearch.Model.Tests;

/// <summary>Writes Parquet corpora for tests with Parquet.Net: a string column per name, one row group per array.</summary>
public static class ParquetCorpus
{
    /// <summary>Columns "text" (nullable string) and "id" (int); <paramref name="groups"/> are the row groups' texts.</summary>
    public static void Write(string path, string textColumn, params string?[][] groups)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = new DataField<string>(textColumn, nullable: true);
        var id = new DataField<int>("id", nullable: false);
        var schema = new ParquetSchema(text, id);
        Task.Run(async () =>
        {
            using var file = File.Create(path);
            await using var writer = await ParquetWriter.CreateAsync(schema, file);
            int next = 0;
            foreach (var g in groups)
            {
                using var group = writer.CreateRowGroup();
                await group.WriteAsync(text, g);
                await group.WriteAsync<int>(id, Enumerable.Range(next, g.Length).ToArray().AsMemory());
                next += g.Length;
                group.CompleteValidate();
            }
        }).GetAwaiter().GetResult();
    }
}
