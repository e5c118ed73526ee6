using System.Globalization;
using System.Text;
using LongRopeSearch.Core;

namespace LongRopeSearch.Rope;

/// <summary>
/// A LongRoPE factor set, the one semantics every layer agrees on. For rotary pair i of a head of size d,
/// θ_i = rope_theta^(−2i/d). A position p ≥ <see cref="NHat"/> uses angle p·θ_i/λ_i and multiplies cos and sin by
/// <see cref="AttentionFactor"/>; a position p &lt; n̂ keeps the original angle p·θ_i and no attention factor.
/// λ all ones, n̂ = 0, factor 1 is the unmodified model.
/// </summary>
public sealed class FactorSet : IEquatable<FactorSet>
{
    public FactorSet(IReadOnlyList<double> lambda, int nHat = 0, double attentionFactor = 1.0, string source = "factor set")
    {
        ArgumentNullException.ThrowIfNull(lambda);
        if (lambda.Count == 0) throw new InputException(source, "factors", "at least one factor");
        for (int i = 0; i < lambda.Count; i++)
        {
            var v = lambda[i];
            if (!double.IsFinite(v) || v <= 0)
                throw new InputException(source, $"factors[{i}]", "a finite positive number", v.ToString("R", CultureInfo.InvariantCulture));
        }
        if (nHat < 0) throw new InputException(source, "n_hat", "an integer ≥ 0", nHat.ToString(CultureInfo.InvariantCulture));
        if (!double.IsFinite(attentionFactor) || attentionFactor <= 0)
            throw new InputException(source, "attention_factor", "a finite positive number", attentionFactor.ToString("R", CultureInfo.InvariantCulture));
        Lambda = lambda.ToArray();
        NHat = nHat;
        AttentionFactor = attentionFactor;
    }

    /// <summary>λ_i, one per rotary pair (head_dim / 2).</summary>
    public IReadOnlyList<double> Lambda { get; }
    public int NHat { get; }
    public double AttentionFactor { get; }
    public int Pairs => Lambda.Count;

    /// <summary>The unmodified model: λ = 1, n̂ = 0, factor 1.</summary>
    public static FactorSet Identity(int pairs) => new(Enumerable.Repeat(1.0, pairs).ToArray());

    public bool IsIdentity => NHat == 0 && AttentionFactor == 1.0 && Lambda.All(l => l == 1.0);

    /// <summary>
    /// Canonical text of the exact values (round-trip formatting): the cache key and the history row identity.
    /// Two factor sets are equal exactly when their keys are equal.
    /// </summary>
    public string Key
    {
        get
        {
            var sb = new StringBuilder();
            foreach (var l in Lambda) sb.Append(l.ToString("R", CultureInfo.InvariantCulture)).Append(',');
            sb.Append("n=").Append(NHat).Append(",a=").Append(AttentionFactor.ToString("R", CultureInfo.InvariantCulture));
            return sb.ToString();
        }
    }

    public bool Equals(FactorSet? other) =>
        other is not null && NHat == other.NHat && AttentionFactor.Equals(other.AttentionFactor) && Lambda.SequenceEqual(other.Lambda);

    public override bool Equals(object? obj) => Equals(obj as FactorSet);

    public override int GetHashCode()
    {
        var h = new HashCode();
        foreach (var l in Lambda) h.Add(l);
        h.Add(NHat);
        h.Add(AttentionFactor);
        return h.ToHashCode();
    }

    public FactorSet With(IReadOnlyList<double>? lambda = null, int? nHat = null, double? attentionFactor = null) =>
        new(lambda ?? Lambda, nHat ?? NHat, attentionFactor ?? AttentionFactor);

    /// <summary>Short human summary: min/median/max λ, n̂, attention factor.</summary>
    public string Summary() =>
        string.Create(CultureInfo.InvariantCulture, $"λ {LambdaRange(Lambda, "..")}, n̂ {NHat}, af {AttentionFactor:0.####}");

    /// <summary>
    /// "min{sep}median{sep}max" of a λ vector to three decimals (the upper median for an even count), the one
    /// summary every table and report shows; "–" for an empty vector.
    /// </summary>
    public static string LambdaRange(IReadOnlyList<double> lambda, string separator)
    {
        ArgumentNullException.ThrowIfNull(lambda);
        if (lambda.Count == 0) return "–";
        var s = lambda.Order().ToArray();
        return string.Create(CultureInfo.InvariantCulture, $"{s[0]:0.###}{separator}{s[s.Length / 2]:0.###}{separator}{s[^1]:0.###}");
    }

    public override string ToString() => Summary();
}
