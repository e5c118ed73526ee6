using LongRopeSearch.Core;

namespace LongRopeSearch.Tokenizers;

/// <summary>
/// A model folder's SentencePiece tokenizer.model (Llama 2 / Mistral family: "▁" for spaces, byte fallback), used when
/// the folder has no tokenizer.json. Read as transformers reads such a folder (a LlamaTokenizer, legacy mode, which is
/// also what its converted tokenizer.json does): BOS iff add_bos_token (default true), EOS iff add_eos_token (default
/// false); the model's control and unknown pieces written in the text (&lt;s&gt;, &lt;/s&gt;, &lt;unk&gt;) are taken
/// as those tokens, and each stretch of text between them is normalized (dummy prefix included) and encoded on its own.
/// </summary>
public sealed class SentencePieceModelTokenizer : ITextTokenizer
{
    public const string FileName = "tokenizer.model";

    private readonly SentencePieceBpeEncoder _encoder;
    private readonly (string Text, int Id)[] _specials; // longest first, so the longest match wins at a position
    private readonly System.Buffers.SearchValues<char> _specialStarts;

    private SentencePieceModelTokenizer(SentencePieceModel model, bool addsBos, bool addsEos)
    {
        _encoder = new SentencePieceBpeEncoder(model);
        VocabSize = model.Pieces.Count;
        BosId = model.BosId >= 0 ? model.BosId : null;
        EosId = model.EosId >= 0 ? model.EosId : null;
        AddsBos = addsBos;
        AddsEos = addsEos;
        _specials = [.. model.Pieces.Select((p, id) => (p, id))
            .Where(x => x.p.Type is PieceType.Control or PieceType.Unknown)
            .Select(x => (x.p.Piece, x.id))
            .OrderByDescending(x => x.Piece.Length)];
        _specialStarts = System.Buffers.SearchValues.Create([.. _specials.Select(x => x.Text[0]).Distinct()]);
    }

    public string Description => $"{FileName} (SentencePiece BPE); BOS/EOS from {TokenizerConfig.FileName} flags";
    public int VocabSize { get; }
    public int? BosId { get; }
    public bool AddsBos { get; }
    public int? EosId { get; }
    public bool AddsEos { get; }

    /// <summary>Loads <paramref name="folder"/>/tokenizer.model (and tokenizer_config.json when present).</summary>
    public static SentencePieceModelTokenizer Load(string folder)
    {
        var path = Path.Combine(folder, FileName);
        if (!File.Exists(path)) throw new InputException(path, "", "a SentencePiece tokenizer.model file");
        var config = TokenizerConfig.Load(folder);
        var configPath = Path.Combine(folder, TokenizerConfig.FileName);
        if (config.TokenizerClass is not null && !config.FlagsDecide)
        {
            throw new InputException(configPath, "tokenizer_class",
                $"a Llama-family SentencePiece class ({string.Join(", ", TokenizerConfig.FlagDrivenClasses.Order(StringComparer.Ordinal))}) for a folder without {HuggingFaceTokenizer.FileName}",
                config.TokenizerClass);
        }
        var model = SentencePieceModel.Load(path);
        CheckToken(config.BosToken, model, model.BosId, "bos_token", configPath);
        CheckToken(config.EosToken, model, model.EosId, "eos_token", configPath);
        if (config.AddsBosByFlags && model.BosId < 0) throw new InputException(path, "trainer_spec.bos_id", "a BOS piece, since add_bos_token is true");
        if (config.AddsEosByFlags && model.EosId < 0) throw new InputException(path, "trainer_spec.eos_id", "an EOS piece, since add_eos_token is true");
        return new SentencePieceModelTokenizer(model, config.AddsBosByFlags, config.AddsEosByFlags);
    }

    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 2);
        if (AddsBos) ids.Add(BosId!.Value);
        var span = text.AsSpan();
        var segmentStart = 0;
        for (var i = 0; i < span.Length;)
        {
            var next = span[i..].IndexOfAny(_specialStarts);
            if (next < 0) break;
            i += next;
            var special = SpecialAt(span, i);
            if (special < 0)
            {
                i++;
                continue;
            }
            EncodeSegment(text, segmentStart, i, ids);
            ids.Add(_specials[special].Id);
            i += _specials[special].Text.Length;
            segmentStart = i;
        }
        EncodeSegment(text, segmentStart, span.Length, ids);
        if (AddsEos) ids.Add(EosId!.Value);
        return [.. ids];
    }

    public void Dispose()
    {
        // Nothing to release; ITextTokenizer is disposable for the Hugging Face adapter's native handle.
    }

    private void EncodeSegment(string text, int start, int end, List<int> ids)
    {
        if (end <= start) return;
        var segment = start == 0 && end == text.Length ? text : text[start..end];
        _encoder.EncodeNormalized(_encoder.Normalize(segment), ids);
    }

    private int SpecialAt(ReadOnlySpan<char> text, int i)
    {
        for (var k = 0; k < _specials.Length; k++)
        {
            if (text[i..].StartsWith(_specials[k].Text, StringComparison.Ordinal)) return k;
        }
        return -1;
    }

    private static void CheckToken(string? configured, SentencePieceModel model, int id, string field, string configPath)
    {
        if (configured is null || id < 0) return;
        var piece = model.Pieces[id].Piece;
        if (configured != piece) throw new InputException(configPath, field, $"the tokenizer.model's own piece \"{piece}\"", configured);
    }
}
