#:package Parquet.Net
// Writes a directory of text files as a Hugging Face datasets-style Parquet corpus: <out>/data/train-0000K-of-0000N.parquet,
// one row per file (column "text", plus "name"), one shard per file, in ordinal file-name order.
// Usage: dotnet run tools/MakeParquetCorpus.cs -- <text dir> <out dir>
using Parquet;
using Parquet.Schema;

var files = Directory.GetFiles(args[0]).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal).ToArray();
var text = new DataField<string>("text");
var name = new DataField<string>("name");
var schema = new ParquetSchema(text, name);
Directory.CreateDirectory(Path.Combine(args[1], "data"));
for (int i = 0; i < files.Length; i++)
{
    var path = Path.Combine(args[1], "data", $"train-{i:00000}-of-{files.Length:00000}.parquet");
    using var stream = File.Create(path);
    await using var writer = await ParquetWriter.CreateAsync(schema, stream);
    using var group = writer.CreateRowGroup();
    await group.WriteAsync(text, new[] { File.ReadAllText(files[i]) });
    await group.WriteAsync(name, new[] { Path.GetFileName(files[i]) });
    group.CompleteValidate();
    Console.WriteLine($"{path}: {Path.GetFileName(files[i])}");
}
