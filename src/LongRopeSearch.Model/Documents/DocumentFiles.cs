using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>
/// Documents stored as files, in a defined order. The data path is a file, or a directory whose files are taken
/// recursively (names starting with '.' are skipped, files and subdirectories alike), ordered by the UTF-8 bytes of
/// their path relative to the directory with '/' between parts (Python's sorted() on those strings): file ordinal
/// order. Within a file, documents come in row order. What a file holds is decided by its name
/// (<see cref="DocumentFormats"/>): ".ids" token ids, ".jsonl"/".ndjson" one JSON object per line with a text field,
/// ".parquet" one row per document with a text column, anything else one text document (its exact bytes); ".gz"
/// after any of these but ".parquet" is decompressed first. The listing is taken once, so every enumeration sees the
/// same documents.
/// </summary>
public sealed class DocumentFiles : IDocumentSource
{
    public const string IdsExtension = ".ids";

    /// <summary>The default JSON Lines field / Parquet column holding a document's text (`--text-field`).</summary>
    public const string DefaultTextField = "text";

    private readonly IReadOnlyList<string> _files;
    private readonly string _textField;

    public DocumentFiles(string path, string textField = DefaultTextField)
    {
        Origin = path;
        _textField = textField;
        _files = List(path);
    }

    public string Origin { get; }

    /// <summary>The document files in document order (full paths).</summary>
    public IReadOnlyList<string> Files => _files;

    public IEnumerable<Document> Documents() =>
        _files.SelectMany(file => DocumentFormats.Read(file, RelativeName(Origin, file), _textField));

    /// <summary>How samples and fingerprints name a file: its path relative to the data directory, '/'-separated (a lone file: its name).</summary>
    public static string RelativeName(string dataPath, string file) =>
        File.Exists(dataPath) ? Path.GetFileName(file) : Path.GetRelativePath(dataPath, file).Replace(Path.DirectorySeparatorChar, '/');

    /// <summary>The document files of a data path in document order (see the class summary).</summary>
    public static IReadOnlyList<string> List(string path)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path))
            throw new InputException(path, "", "an existing document file or directory of documents", "no such file or directory");
        try
        {
            var files = new List<string>();
            Walk(path, files);
            return files
                .OrderBy(p => Encoding.UTF8.GetBytes(RelativeName(path, p)), Utf8Order.Instance)
                .ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InputException(path, "", "a readable directory of documents", e.Message, e);
        }
    }

    private static void Walk(string directory, List<string> files)
    {
        foreach (var f in Directory.EnumerateFiles(directory))
            if (!Path.GetFileName(f).StartsWith('.')) files.Add(f);
        foreach (var d in Directory.EnumerateDirectories(directory))
            if (!Path.GetFileName(d).StartsWith('.')) Walk(d, files);
    }

    private sealed class Utf8Order : IComparer<byte[]>
    {
        public static readonly Utf8Order Instance = new();

        public int Compare(byte[]? x, byte[]? y) => x.AsSpan().SequenceCompareTo(y);
    }
}
