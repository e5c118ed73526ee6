namespace LongRopeSearch.Model;

/// <summary>A document's contents before tokenization: text for the model's tokenizer, or ids already tokenized.</summary>
public abstract record DocumentContent
{
    private DocumentContent()
    {
    }

    /// <summary>Text the model's <see cref="ITokenizer"/> turns into tokens.</summary>
    public sealed record Text(DocumentText Value) : DocumentContent;

    /// <summary>Token ids as a pre-tokenized document stores them; they bypass the tokenizer.</summary>
    public sealed record Ids(int[] Value) : DocumentContent;
}

/// <summary>One document of a corpus, read only when its tokens are first needed.</summary>
/// <param name="name">The label of its sample (a file name).</param>
/// <param name="origin">What messages name (the file's path).</param>
/// <param name="read">Reads the contents; throws <see cref="Core.InputException"/> naming <paramref name="origin"/>.</param>
public sealed class Document(string name, string origin, Func<DocumentContent> read)
{
    public string Name => name;
    public string Origin => origin;

    public DocumentContent Read() => read();
}

/// <summary>
/// Where documents come from, in a defined order: a file or directory of files today (<see cref="DocumentFiles"/>);
/// JSON Lines and Parquet corpora are further sources. Enumerating twice gives the same documents in the same order.
/// </summary>
public interface IDocumentSource
{
    /// <summary>What messages about the corpus as a whole name (the data path).</summary>
    string Origin { get; }

    /// <summary>The documents in order, lazily: a caller that has enough samples stops reading.</summary>
    IEnumerable<Document> Documents();
}
