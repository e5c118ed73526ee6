using LongRopeSearch.Engine.Fast.Kernels;

namespace LongRopeSearch.Engine;

/// <summary>
/// Layer-0 projections do not depend on the factor set: embed → RMSNorm → q, k, v (with bias, before rotation)
/// is a function of the tokens alone. A search scores the same samples under many factor sets, so this cache keeps
/// those [L, q_dim + 2·kv_dim] rows per token sequence, least recently used evicted first, within a byte budget.
/// An entry fills from its first row on (<see cref="Entry.FilledRows"/>): a prefix evaluation stopped early leaves
/// the rows it computed, and the next evaluation of the same sample reads those and computes (and adds) the rest.
/// Not thread-safe (owned by one FastForward, used under its lock).
/// </summary>
internal sealed unsafe class FastLayer0Cache
{
    private readonly LinkedList<Entry> _lru = new(); // most recent first

    public FastLayer0Cache(long budgetBytes) => BudgetBytes = Math.Max(0, budgetBytes);

    public long BudgetBytes { get; }
    public long Bytes { get; private set; }
    public int Count => _lru.Count;
    public long Hits { get; private set; }
    public long Misses { get; private set; }

    public sealed class Entry(int[] tokens, ulong hash, AlignedFloats rows)
    {
        public int[] Tokens { get; } = tokens;
        public ulong Hash { get; } = hash;

        /// <summary>[L, width] cached projections.</summary>
        public AlignedFloats Rows { get; } = rows;

        /// <summary>
        /// Rows [0, FilledRows) hold their final values; rows past it are unwritten or partly written (a fill that
        /// failed or stopped mid-chunk) and never read. Producers fill in row order and raise it after each whole chunk.
        /// </summary>
        public int FilledRows { get; private set; }

        /// <summary>Rows [start, end) were just written; with every row before them filled, [0, end) now is.</summary>
        public void MarkFilled(int start, int end)
        {
            if (end > Tokens.Length) throw new ArgumentOutOfRangeException(nameof(end), end, $"the entry holds {Tokens.Length} rows");
            if (start > FilledRows) throw new InvalidOperationException($"rows [{start}, {end}) written past the filled rows [0, {FilledRows})");
            FilledRows = Math.Max(FilledRows, end);
        }
    }

    /// <summary>The entry for exactly these tokens (however many of its rows are filled), or null.</summary>
    public Entry? Find(ReadOnlySpan<int> tokens)
    {
        ulong hash = Hash(tokens);
        for (var node = _lru.First; node is not null; node = node.Next)
        {
            var e = node.Value;
            if (e.Hash == hash && tokens.SequenceEqual(e.Tokens))
            {
                _lru.Remove(node);
                _lru.AddFirst(node);
                Hits++;
                return e;
            }
        }
        Misses++;
        return null;
    }

    /// <summary>
    /// A new entry of [tokens.Length, width] floats with no row filled, evicting old entries to make room; null when
    /// one sequence alone exceeds the budget. The caller fills it in row order (<see cref="Entry.MarkFilled"/>).
    /// </summary>
    public Entry? Reserve(ReadOnlySpan<int> tokens, int width)
    {
        long bytes = (long)tokens.Length * width * sizeof(float);
        if (bytes > BudgetBytes) return null;
        while (Bytes + bytes > BudgetBytes && _lru.Last is { } last) Remove(last.Value);
        var entry = new Entry(tokens.ToArray(), Hash(tokens), new AlignedFloats((long)tokens.Length * width));
        _lru.AddFirst(entry);
        Bytes += entry.Rows.Bytes;
        return entry;
    }

    public void Remove(Entry entry)
    {
        if (_lru.Remove(entry)) Bytes -= entry.Rows.Bytes;
    }

    public void Clear()
    {
        _lru.Clear();
        Bytes = 0;
    }

    /// <summary>FNV-1a over the ids, 64-bit: a fast filter before the exact comparison.</summary>
    private static ulong Hash(ReadOnlySpan<int> tokens)
    {
        ulong h = 14695981039346656037UL;
        foreach (var t in tokens)
        {
            h ^= (uint)t;
            h *= 1099511628211UL;
        }
        return h ^ (ulong)tokens.Length;
    }
}
