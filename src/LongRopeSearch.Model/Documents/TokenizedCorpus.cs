using LongRopeSearch.Core;

namespace LongRopeSearch.Model;

/// <summary>One document's whole token stream.</summary>
public sealed record TokenStream(string Document, int[] Tokens);

/// <summary>
/// A document source seen through a model's tokenizer: the one path from documents to token streams. Each document
/// is read and tokenized whole once, on first use, and its stream kept, so samples at several lengths from the same
/// corpus never tokenize a document twice; documents after the last one a request needs are never read.
/// "Long enough" is decided on the token stream, never on file sizes. Not thread-safe.
/// </summary>
public sealed class TokenizedCorpus
{
    private readonly IDocumentSource _source;
    private readonly ITokenizer _tokenizer;
    private readonly List<TokenStream> _streams = []; // streams of the first _streams.Count documents, in order
    private IEnumerator<Document>? _rest;             // the source's documents after those
    private bool _exhausted;

    public TokenizedCorpus(IDocumentSource source, ITokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tokenizer);
        _source = source;
        _tokenizer = tokenizer;
    }

    /// <summary>
    /// The corpus of the file or directory at <paramref name="dataPath"/> (<see cref="DocumentFiles"/>);
    /// <paramref name="textField"/> names the JSON Lines field / Parquet column of the text.
    /// </summary>
    public static TokenizedCorpus Open(string dataPath, ITokenizer tokenizer, string textField = DocumentFiles.DefaultTextField) =>
        new(new DocumentFiles(dataPath, textField), tokenizer);

    /// <summary>How many documents have been read and tokenized so far (each exactly once).</summary>
    public int TokenizedDocuments => _streams.Count;

    public string Source => _source.Origin;

    /// <summary>Every document's token stream in document order, tokenizing the ones not seen yet as the caller advances.</summary>
    /// The source is enumerated once, where the last caller left it, so no file is read twice.
    public IEnumerable<TokenStream> Streams()
    {
        for (int index = 0; ; index++)
        {
            if (index == _streams.Count)
            {
                if (_exhausted) yield break;
                _rest ??= _source.Documents().GetEnumerator();
                if (!_rest.MoveNext())
                {
                    _exhausted = true;
                    _rest.Dispose();
                    yield break;
                }
                _streams.Add(new TokenStream(_rest.Current.Name, Tokenize(_rest.Current)));
            }
            yield return _streams[index];
        }
    }

    /// <summary>
    /// The samples of one length by the rule on <see cref="SampleSet"/>. <paramref name="count"/> null takes every
    /// document long enough; <paramref name="countOrigin"/> names where the count came from (e.g. "--samples") in
    /// the message when too few documents are long enough.
    /// </summary>
    public SampleSet Samples(int length, int? count, string? countOrigin = null)
    {
        if (length < 2)
            throw new InputException(Source, "sample length", "at least 2 tokens (one token of context and one to predict)", length.ToString());
        if (count is <= 0)
            throw new InputException(countOrigin ?? Source, countOrigin is null ? "sample count" : "", "a positive integer", count.Value.ToString());

        var samples = new List<Sample>();
        foreach (var stream in Streams())
        {
            if (stream.Tokens.Length >= length) samples.Add(new Sample(stream.Document, stream.Tokens[..length]));
            if (samples.Count == count) break; // before the enumerator reads the next document
        }

        if (_streams.Count == 0)
            throw new InputException(Source, "", "at least one document (a text, .ids, .jsonl or .parquet file with content)", "an empty corpus");
        if (count is { } k && samples.Count < k)
            throw new InputException(Source, "",
                $"at least {k} documents with at least {length} tokens ({(countOrigin is null ? $"{k} samples were asked for" : $"{countOrigin} asks for {k}")})",
                $"{samples.Count} documents with at least {length} tokens");
        if (samples.Count == 0)
            throw new InputException(Source, "", $"at least one document with at least {length} tokens (sample length {length})", "none");
        return new SampleSet(Source, length, samples);
    }

    private int[] Tokenize(Document document)
    {
        var tokens = document.Read() switch
        {
            DocumentContent.Ids ids => ids.Value,
            DocumentContent.Text text => _tokenizer.Encode(text.Value),
            _ => throw new InvalidOperationException("unknown document content"),
        };
        int vocab = _tokenizer.VocabSize;
        for (int i = 0; i < tokens.Length; i++)
        {
            if ((uint)tokens[i] >= (uint)vocab)
                throw new InputException(document.Origin, $"token index {i}", $"a token id in [0, {vocab}) (the model's vocab_size={vocab})",
                    tokens[i].ToString());
        }
        return tokens;
    }
}
