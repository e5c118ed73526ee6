using System.Globalization;

namespace LongRopeSearch.Tokenizers;

/// <summary>
/// SentencePiece's BPE encoding, step for step as Google's bpe_model.cc and sentencepiece_processor.cc do it: split
/// the normalized text into characters (user-defined pieces kept whole), repeatedly merge the adjacent pair whose merged
/// piece has the highest score — ties go to the leftmost pair — re-split unused pieces, then write pieces outside the
/// vocabulary as UTF-8 byte pieces (byte fallback) or as one unknown id per run.
/// Written here rather than taken from Microsoft.ML.Tokenizers 2.0.1, whose SentencePiece BPE breaks score ties
/// toward the rightmost pair and gives no BOS for an empty text: it disagreed with Google's SentencePiece on 3 of the
/// 35 fixture texts ("ffft" → "fff"+"t" instead of "ff"+"ft", runs of spaces, ""), this encoder on none.
/// Thread-safe: all working state is local to a call.
/// </summary>
public sealed class SentencePieceBpeEncoder
{
    private const char SpaceSymbol = '\u2581'; // "▁"

    private readonly SentencePieceModel _model;
    private readonly Dictionary<string, (int Id, float Score, bool Unused)>.AlternateLookup<ReadOnlySpan<char>> _mergeable;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _reserved;
    private readonly string[] _userDefined; // longest first
    private readonly int[] _byteIds = new int[256];
    private readonly bool _newlineSplits;

    public SentencePieceBpeEncoder(SentencePieceModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        _model = model;
        // Merge targets are the normal, user-defined and unused pieces; control, unknown and byte pieces are only
        // looked up for final symbols, before the mergeable ones (SentencePiece's PieceToId order).
        var mergeable = new Dictionary<string, (int Id, float Score, bool Unused)>(StringComparer.Ordinal);
        var reserved = new Dictionary<string, int>(StringComparer.Ordinal);
        var userDefined = new List<string>();
        for (var id = 0; id < model.Pieces.Count; id++)
        {
            var p = model.Pieces[id];
            if (p.Type is PieceType.Normal or PieceType.UserDefined or PieceType.Unused) mergeable.TryAdd(p.Piece, (id, p.Score, p.Type == PieceType.Unused));
            else reserved.TryAdd(p.Piece, id);
            if (p.Type == PieceType.UserDefined) userDefined.Add(p.Piece);
        }
        _mergeable = mergeable.GetAlternateLookup<ReadOnlySpan<char>>();
        _reserved = reserved.GetAlternateLookup<ReadOnlySpan<char>>();
        _userDefined = [.. userDefined.OrderByDescending(u => u.Length)];
        for (var b = 0; b < 256; b++)
            _byteIds[b] = reserved.TryGetValue($"<0x{b:X2}>", out var id) ? id : model.UnknownId;
        // When no piece contains a line feed, no merge can reach across one, so each line can be encoded on its own:
        // the same ids, with working memory bounded by the longest line.
        _newlineSplits = !mergeable.Keys.Any(k => k.Contains('\n', StringComparison.Ordinal));
    }

    /// <summary>SentencePiece's normalization with the identity rule: optional removal of extra spaces, the dummy
    /// prefix (suffix) space on a non-empty text, spaces escaped to "▁".</summary>
    public string Normalize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var s = text;
        if (_model.RemoveExtraWhitespaces)
        {
            var sb = new System.Text.StringBuilder(s.Length);
            foreach (var c in s)
            {
                if (c == ' ' && (sb.Length == 0 || sb[^1] == ' ')) continue;
                sb.Append(c);
            }
            if (sb.Length > 0 && sb[^1] == ' ') sb.Length--;
            s = sb.ToString();
        }
        if (s.Length == 0) return s;
        if (_model.AddDummyPrefix) s = _model.TreatWhitespaceAsSuffix ? s + " " : " " + s;
        return _model.EscapeWhitespaces ? s.Replace(' ', SpaceSymbol) : s;
    }

    /// <summary>Appends the ids of an already normalized text to <paramref name="ids"/>.</summary>
    public void EncodeNormalized(ReadOnlySpan<char> text, List<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var work = new Workspace();
        var prevUnknown = false;
        if (!_newlineSplits)
        {
            EncodeSegment(text, ids, work, ref prevUnknown);
            return;
        }
        while (!text.IsEmpty)
        {
            var cut = text.IndexOf('\n');
            var end = cut < 0 ? text.Length : cut + 1;
            // The line feed is a symbol of its own; the text before it is encoded apart from it.
            if (cut > 0) EncodeSegment(text[..cut], ids, work, ref prevUnknown);
            EncodeSegment(text.Slice(cut < 0 ? 0 : cut, cut < 0 ? text.Length : 1), ids, work, ref prevUnknown);
            text = text[end..];
        }
    }

    /// <summary>Per-call working buffers, grown to the longest segment.</summary>
    private sealed class Workspace
    {
        public int[] Start = [], Length = [], Prev = [], Next = [];
        public bool[] Frozen = [];
        public readonly PriorityQueue<(int Left, int Right, int Size), (float Score, int Left)> Agenda = new(AgendaOrder.Instance);
        public readonly Dictionary<string, (string Left, string Right)> RevMerge = new(StringComparer.Ordinal);

        public void Ensure(int n)
        {
            if (Start.Length >= n) return;
            var size = Math.Max(n, Start.Length * 2);
            Start = new int[size];
            Length = new int[size];
            Prev = new int[size];
            Next = new int[size];
            Frozen = new bool[size];
        }
    }

    /// <summary>Highest score first; among equal scores the leftmost pair (bpe_model.cc's SymbolPairComparator).</summary>
    private sealed class AgendaOrder : IComparer<(float Score, int Left)>
    {
        public static readonly AgendaOrder Instance = new();

        public int Compare((float Score, int Left) x, (float Score, int Left) y)
        {
            var byScore = y.Score.CompareTo(x.Score);
            return byScore != 0 ? byScore : x.Left.CompareTo(y.Left);
        }
    }

    private void EncodeSegment(ReadOnlySpan<char> text, List<int> ids, Workspace w, ref bool prevUnknown)
    {
        w.Ensure(text.Length);
        w.Agenda.Clear();
        w.RevMerge.Clear();

        // Symbols: user-defined pieces (frozen) or single Unicode characters; a doubly linked list over [0, count).
        var count = 0;
        for (var i = 0; i < text.Length;)
        {
            var len = UserDefinedAt(text, i);
            var frozen = len > 0;
            if (!frozen) len = char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            w.Start[count] = i;
            w.Length[count] = len;
            w.Prev[count] = count - 1;
            w.Next[count] = i + len < text.Length ? count + 1 : -1;
            w.Frozen[count] = frozen;
            count++;
            i += len;
        }
        for (var s = 1; s < count; s++) MaybeAddPair(text, w, s - 1, s);

        while (w.Agenda.TryDequeue(out var top, out _))
        {
            var (left, right, size) = top;
            // A pair made stale by an earlier merge no longer has these exact pieces.
            if (w.Length[left] == 0 || w.Length[right] == 0 || w.Length[left] + w.Length[right] != size) continue;
            w.Length[left] = size;
            w.Next[left] = w.Next[right];
            if (w.Next[right] >= 0) w.Prev[w.Next[right]] = left;
            w.Length[right] = 0;
            MaybeAddPair(text, w, w.Prev[left], left);
            MaybeAddPair(text, w, left, w.Next[left]);
        }

        for (var s = count == 0 ? -1 : 0; s >= 0; s = w.Next[s]) Emit(text.Slice(w.Start[s], w.Length[s]), ids, w, ref prevUnknown);
    }

    private int UserDefinedAt(ReadOnlySpan<char> text, int i)
    {
        foreach (var u in _userDefined)
        {
            if (text[i..].StartsWith(u, StringComparison.Ordinal)) return u.Length;
        }
        return 0;
    }

    private void MaybeAddPair(ReadOnlySpan<char> text, Workspace w, int left, int right)
    {
        if (left < 0 || right < 0 || w.Frozen[left] || w.Frozen[right]) return;
        var size = w.Length[left] + w.Length[right];
        var piece = text.Slice(w.Start[left], size);
        if (!_mergeable.TryGetValue(piece, out var entry)) return;
        w.Agenda.Enqueue((left, right, size), (entry.Score, left));
        if (entry.Unused)
            w.RevMerge[piece.ToString()] = (text.Slice(w.Start[left], w.Length[left]).ToString(), text.Slice(w.Start[right], w.Length[right]).ToString());
    }

    /// <summary>A final symbol's ids: unused pieces re-split into the pieces that made them; pieces outside the
    /// vocabulary as byte pieces, or merged into the previous unknown id without byte fallback.</summary>
    private void Emit(ReadOnlySpan<char> piece, List<int> ids, Workspace w, ref bool prevUnknown)
    {
        int id;
        if (_reserved.TryGetValue(piece, out var reservedId)) id = reservedId;
        else if (_mergeable.TryGetValue(piece, out var entry))
        {
            if (entry.Unused && w.RevMerge.TryGetValue(piece.ToString(), out var parts))
            {
                Emit(parts.Left, ids, w, ref prevUnknown);
                Emit(parts.Right, ids, w, ref prevUnknown);
                return;
            }
            id = entry.Id;
        }
        else id = _model.UnknownId;

        var unknown = id == _model.UnknownId;
        if (unknown && _model.ByteFallback)
        {
            var max = System.Text.Encoding.UTF8.GetMaxByteCount(piece.Length);
            Span<byte> utf8 = max <= 64 ? stackalloc byte[64] : new byte[max];
            var n = System.Text.Encoding.UTF8.GetBytes(piece, utf8);
            foreach (var b in utf8[..n]) ids.Add(_byteIds[b]);
        }
        else if (!(unknown && prevUnknown))
        {
            ids.Add(id);
        }
        prevUnknown = unknown;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"SentencePiece BPE, {_model.Pieces.Count} pieces");
}
