using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// Documents stored as files. A file is one document; a directory's documents are its top-level regular files whose
/// names do not start with '.', sorted by the UTF-8 bytes of the name (the order Python's sorted() gives on str).
/// A name ending in ".ids" holds whitespace-separated decimal token ids; any other file is text, passed to the
/// tokenizer as its exact bytes. The listing is taken once, so every enumeration sees the same documents.
/// </summary>
public sealed class DocumentFiles : IDocumentSource
{
    public const string IdsExtension = ".ids";

    private readonly IReadOnlyList<string> _files;

    public DocumentFiles(string path)
    {
        Origin = path;
        _files = List(path);
    }

    public string Origin { get; }

    public IEnumerable<Document> Documents() =>
        _files.Select(file => new Document(Path.GetFileName(file), file, () => Read(file)));

    private static List<string> List(string path)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path))
            throw new InputException(path, "", "an existing document file or directory of documents", "no such file or directory");
        try
        {
            return Directory.EnumerateFiles(path)
                .Where(p => !Path.GetFileName(p).StartsWith('.'))
                .OrderBy(p => Encoding.UTF8.GetBytes(Path.GetFileName(p)), Utf8Order.Instance)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, "", "a readable directory of documents", e.Message, e);
        }
    }

    private static DocumentContent Read(string file)
    {
        var bytes = InputFiles.ReadAllBytes(file, "a readable document file");
        return file.EndsWith(IdsExtension, StringComparison.Ordinal)
            ? new DocumentContent.Ids(TokenIdsParser.Parse(file, bytes))
            : new DocumentContent.Text(DocumentText.FromBytes(file, bytes));
    }

    private sealed class Utf8Order : IComparer<byte[]>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
