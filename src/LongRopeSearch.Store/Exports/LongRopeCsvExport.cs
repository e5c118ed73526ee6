using LongRopeSearch.Rope;

namespace LongRopeSearch.Store.Exports;

/// <summary>
/// The LongRoPE CSV form: long_factor.csv (and short_factor.csv when there are short factors), one λ per line with
/// shortest round-trip formatting, as LongRoPE's own scripts read them (numpy.loadtxt with a comma delimiter).
/// λ only: n̂ and the attention factor have no place in it (the JSON export keeps them).
/// </summary>
public static class LongRopeCsvExport
{
    public const string LongFile = "long_factor.csv";
    public const string ShortFile = "short_factor.csv";

    /// <summary>Writes the files atomically into <paramref name="directory"/> and returns their paths.</summary>
    public static IReadOnlyList<string> Write(string directory, FactorSet longFactors, FactorSet? shortFactors)
    {
        ArgumentNullException.ThrowIfNull(longFactors);
        var written = new List<string>();
        var longPath = Path.Combine(directory, LongFile);
        FactorFile.SaveCsv(longPath, longFactors);
        written.Add(longPath);
        if (shortFactors is not null)
        {
            var shortPath = Path.Combine(directory, ShortFile);
            FactorFile.SaveCsv(shortPath, shortFactors);
            written.Add(shortPath);
        }
        return written;
    }
}
