using System.Globalization;

namespace LongRopeSearch.Search;

/// <summary>
/// xoshiro256** (Blackman and Vigna, 2018): the one random generator of a search. It is written here rather than
/// taken from <see cref="Random"/> because a search checkpoint must carry the generator's exact state, and .NET
/// does not promise that <see cref="Random"/>'s algorithm or state layout stays the same between versions.
/// The state is four 64-bit words; it is seeded from one 64-bit number through SplitMix64, as the authors advise.
/// </summary>
public sealed class Xoshiro256StarStar
{
    private const string StatePrefix = "xoshiro256**:";
    private ulong _s0, _s1, _s2, _s3;

    private Xoshiro256StarStar(ulong s0, ulong s1, ulong s2, ulong s3)
    {
        if ((s0 | s1 | s2 | s3) == 0) throw new ArgumentException("xoshiro256** state must not be all zero");
        (_s0, _s1, _s2, _s3) = (s0, s1, s2, s3);
    }

    /// <summary>A generator whose state is four successive SplitMix64 outputs from <paramref name="seed"/>.</summary>
    public static Xoshiro256StarStar FromSeed(ulong seed)
    {
        var x = seed;
        return new Xoshiro256StarStar(SplitMix64(ref x), SplitMix64(ref x), SplitMix64(ref x), SplitMix64(ref x));
    }

    /// <summary>A generator with exactly this raw state (used by tests with the reference vectors).</summary>
    public static Xoshiro256StarStar FromWords(ulong s0, ulong s1, ulong s2, ulong s3) => new(s0, s1, s2, s3);

    /// <summary>
    /// The exact state as text, "xoshiro256**:" then four 16-digit hex words separated by ':'. Text rather than
    /// numbers so that JSON readers with 53-bit numbers (JavaScript, jq) cannot round it.
    /// </summary>
    public string GetState() =>
        string.Create(CultureInfo.InvariantCulture, $"{StatePrefix}{_s0:x16}:{_s1:x16}:{_s2:x16}:{_s3:x16}");

    /// <summary>Rebuilds a generator from <see cref="GetState"/>; the next outputs are those the original would give.</summary>
    public static Xoshiro256StarStar FromState(string state)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (!state.StartsWith(StatePrefix, StringComparison.Ordinal)) throw BadState(state);
        var words = state[StatePrefix.Length..].Split(':');
        if (words.Length != 4) throw BadState(state);
        var s = new ulong[4];
        for (int i = 0; i < 4; i++)
            if (words[i].Length != 16 || !ulong.TryParse(words[i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out s[i]))
                throw BadState(state);
        if ((s[0] | s[1] | s[2] | s[3]) == 0) throw BadState(state);
        return new Xoshiro256StarStar(s[0], s[1], s[2], s[3]);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        var result = ulong.RotateLeft(_s1 * 5, 7) * 9;
        var t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = ulong.RotateLeft(_s3, 45);
        return result;
    }

    /// <summary>A uniform integer in [0, <paramref name="exclusiveMax"/>), without modulo bias (rejection sampling).</summary>
    public int NextInt(int exclusiveMax)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(exclusiveMax);
        var bound = (ulong)exclusiveMax;
        // Values below 2^64 mod bound would make the low residues slightly more likely: draw again.
        var threshold = (0UL - bound) % bound;
        ulong x;
        do x = NextUInt64(); while (x < threshold);
        return (int)(x % bound);
    }

    /// <summary>A uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>True with probability <paramref name="p"/> (exactly never for 0, always for 1).</summary>
    public bool Chance(double p) => NextDouble() < p;

    /// <summary>SplitMix64 (Steele, Lea, Flood 2014): the seeding function recommended for xoshiro.</summary>
    public static ulong SplitMix64(ref ulong x)
    {
        var z = x += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static FormatException BadState(string state) =>
        new($"not a xoshiro256** state (expected \"{StatePrefix}\" and four 16-digit hex words, not all zero): \"{state}\"");
}
