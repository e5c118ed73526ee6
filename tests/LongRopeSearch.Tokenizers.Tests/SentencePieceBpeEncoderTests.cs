using Xunit;

namespace LongRopeSearch.Tokenizers.Tests;

/// <summary>
/// The rules of SentencePiece's BPE (bpe_model.cc, sentencepiece_processor.cc) on a hand-made vocabulary, each with the
/// outcome the rule dictates worked out by hand. The fixture agreement tests cover the same code on a real vocabulary.
/// </summary>
public sealed class SentencePieceBpeEncoderTests
{
    // ids: 0 <unk>, 1 <s>, 2 </s>, 3.. pieces below; scores make "aa" the best merge, then "ab", "▁a", "aab".
    private static SentencePieceModel Model(bool byteFallback, params (string Piece, float Score, PieceType Type)[] extra)
    {
        var pieces = new List<SentencePiece> { new("<unk>", 0, PieceType.Unknown), new("<s>", 0, PieceType.Control), new("</s>", 0, PieceType.Control) };
        if (byteFallback)
            for (var b = 0; b < 256; b++) pieces.Add(new($"<0x{b:X2}>", 0, PieceType.Byte));
        pieces.AddRange(extra.Select(e => new SentencePiece(e.Piece, e.Score, e.Type)));
        return new SentencePieceModel { Pieces = pieces, ByteFallback = byteFallback, AddDummyPrefix = true, RemoveExtraWhitespaces = false };
    }

    private static readonly (string, float, PieceType)[] Basic =
    [
        ("▁", -10, PieceType.Normal), ("a", -10, PieceType.Normal), ("b", -10, PieceType.Normal),
        ("aa", -1, PieceType.Normal), ("ab", -2, PieceType.Normal), ("▁a", -3, PieceType.Normal), ("aab", -4, PieceType.Normal),
    ];

    private static int Id(SentencePieceModel m, string piece) => m.Pieces.ToList().FindIndex(p => p.Piece == piece);

    private static int[] Encode(SentencePieceModel m, string text)
    {
        var encoder = new SentencePieceBpeEncoder(m);
        var ids = new List<int>();
        encoder.EncodeNormalized(encoder.Normalize(text), ids);
        return [.. ids];
    }

    [Fact]
    public void Equal_scores_merge_the_leftmost_pair_first()
    {
        var m = Model(false, Basic);
        // "▁aaa": "aa" (score -1) can form at 1-2 and 2-3; the leftmost wins: ▁ aa a; then "▁aa"/"aaa" are not pieces.
        Assert.Equal([Id(m, "▁"), Id(m, "aa"), Id(m, "a")], Encode(m, "aaa"));
    }

    [Fact]
    public void Higher_score_wins_over_position()
    {
        var m = Model(false, Basic);
        // "▁aab": candidates ▁a (-3), aa (-1), ab (-2): aa first → ▁ aa b; then aab (-4) → ▁ aab.
        Assert.Equal([Id(m, "▁"), Id(m, "aab")], Encode(m, "aab"));
    }

    [Fact]
    public void Unknown_characters_become_utf8_byte_pieces_with_byte_fallback()
    {
        var m = Model(true, Basic);
        // "é" is not a piece: its UTF-8 bytes C3 A9 become <0xC3> <0xA9> (ids 3 + byte).
        Assert.Equal([Id(m, "▁a"), 3 + 0xC3, 3 + 0xA9], Encode(m, "aé"));
    }

    [Fact]
    public void Without_byte_fallback_a_run_of_unknown_characters_is_one_unknown_id()
    {
        var m = Model(false, Basic);
        Assert.Equal([Id(m, "▁a"), 0, Id(m, "b")], Encode(m, "aéü€b"));
    }

    [Fact]
    public void Unused_pieces_are_split_back_into_the_pieces_that_made_them()
    {
        var m = Model(false, [.. Basic.Where(p => p.Item1 != "aab"), ("aab", -4, PieceType.Unused)]);
        Assert.Equal([Id(m, "▁"), Id(m, "aa"), Id(m, "b")], Encode(m, "aab"));
    }

    [Fact]
    public void Normalization_adds_the_dummy_prefix_and_escapes_spaces()
    {
        var encoder = new SentencePieceBpeEncoder(Model(false, Basic));
        Assert.Equal("▁a▁▁b▁", encoder.Normalize("a  b "));
        Assert.Equal("", encoder.Normalize(""));
        var trimming = new SentencePieceBpeEncoder(new SentencePieceModel { Pieces = Model(false, Basic).Pieces, RemoveExtraWhitespaces = true });
        Assert.Equal("▁a▁b", trimming.Normalize("  a   b  "));
    }
}
