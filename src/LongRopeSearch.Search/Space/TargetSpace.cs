using System.Globalization;
using System.Text.Json.Serialization;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>
/// The search space of one stage, fully resolved: the λ grid (GridOrigin + k·Step, k an integer, in decimal so the
/// value of a grid point is exact and canonical), each pair's allowed grid indices (the critical-dimension rule
/// already applied), the n̂ choices below the stage length, the attention factor (fixed, or a grid when searched)
/// and the evolution settings. Plain data so that it travels inside a checkpoint.
/// </summary>
public sealed record TargetSpace
{
    public required FactorKind Kind { get; init; }

    /// <summary>Sample length of this stage in tokens.</summary>
    public required int Length { get; init; }

    public required int OriginalLength { get; init; }
    public required int Pairs { get; init; }
    public required decimal GridOrigin { get; init; }
    public required decimal Step { get; init; }

    /// <summary>[pairs] lowest allowed grid index of each pair.</summary>
    public required int[] LowIndex { get; init; }

    /// <summary>[pairs] highest allowed grid index of each pair.</summary>
    public required int[] HighIndex { get; init; }

    public required bool Monotone { get; init; }

    /// <summary>
    /// k, the critical pair (0 when off). Under <see cref="CriticalDimensionRule.LongRope2"/> its bound is already in
    /// <see cref="LowIndex"/>; under <see cref="CriticalDimensionRule.NtkBelow"/> the pairs below it follow λ_k^(i/k).
    /// </summary>
    public required int CriticalPair { get; init; }

    [JsonConverter(typeof(JsonStringEnumConverter<CriticalDimensionRule>))]
    public CriticalDimensionRule CriticalRule { get; init; } = CriticalDimensionRule.LongRope2;

    /// <summary>Allowed n̂, ascending, each below <see cref="Length"/>.</summary>
    public required int[] NHatChoices { get; init; }

    /// <summary>
    /// The attention factor of every candidate when <see cref="AttentionGrid"/> is null; when it is searched, the
    /// policy value (LongRoPE's default) seeded beside each seed's own factor.
    /// </summary>
    public required double AttentionFactor { get; init; }

    /// <summary>The searched attention factors, or null when the factor is fixed (<see cref="AttentionFactor"/>).</summary>
    public AttentionFactorGrid? AttentionGrid { get; init; }

    public required EvolutionSettings Evolution { get; init; }

    /// <summary>Length / L0.</summary>
    [JsonIgnore]
    public double Scale => (double)Length / OriginalLength;

    /// <summary>The first pair the operators change: k under <see cref="CriticalDimensionRule.NtkBelow"/>, else 0.</summary>
    [JsonIgnore]
    public int FirstSearchedPair => DerivesBelowCritical ? CriticalPair : 0;

    /// <summary>True when pairs below the critical pair are derived from it rather than searched.</summary>
    [JsonIgnore]
    public bool DerivesBelowCritical => CriticalPair > 0 && CriticalRule == CriticalDimensionRule.NtkBelow;

    /// <summary>
    /// The canonical double of grid point <paramref name="index"/>: the double nearest to the exact decimal
    /// GridOrigin + index·Step (parsed from its decimal text, which is correctly rounded, unlike a decimal cast).
    /// </summary>
    public double GridValue(int index) =>
        double.Parse((GridOrigin + index * Step).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>
    /// Resolves <paramref name="space"/> for one stage. <paramref name="criticalPair"/> is the model's k, required when
    /// the space takes the critical pair from the model and ignored otherwise. <paramref name="attentionFactor"/> is
    /// the stage's fixed factor (or, when the space searches it, the policy value seeded); the short stage never
    /// searches it.
    /// </summary>
    public static TargetSpace Create(SearchSpace space, FactorKind kind, int length, int? criticalPair, double attentionFactor)
    {
        ArgumentNullException.ThrowIfNull(space);
        var src = space.Source;
        var field = kind == FactorKind.Short ? "short.lambda" : "lambda";
        var scale = Math.Max(1m, (decimal)length / space.OriginalLength);
        var (low, high) = (kind == FactorKind.Short ? space.ShortLambda : space.Lambda).Resolve(space.Pairs, scale);
        var origin = low.Min();

        var cd = space.CriticalDimension;
        int k = cd.Mode switch
        {
            CriticalDimensionMode.Off => 0,
            CriticalDimensionMode.Explicit => cd.Pair ?? 0,
            _ => criticalPair ?? throw new ArgumentException("the search space takes the critical pair from the model; pass the model's critical pair", nameof(criticalPair)),
        };
        if (k < 0 || k >= space.Pairs)
            throw new InputException(src, "critical_dimension", $"a pair index in [1, {space.Pairs - 1}]", k.ToString(CultureInfo.InvariantCulture));
        // LongRoPE2: from the critical pair up, λ ≥ s (the grid origin stays the smallest bound of the space, so the
        // grid points are the same with and without the rule).
        var raisedFrom = k > 0 && cd.Rule == CriticalDimensionRule.LongRope2 ? k : space.Pairs;
        for (int i = raisedFrom; i < space.Pairs; i++) low[i] = Math.Max(low[i], scale);
        string Why(int i) => i >= raisedFrom ? $" (critical_dimension: pairs from {k} up have λ ≥ s)" : "";
        var lowIndex = new int[space.Pairs];   // [pairs]
        var highIndex = new int[space.Pairs];  // [pairs]
        for (int i = 0; i < space.Pairs; i++)
        {
            if (high[i] < low[i])
                throw new InputException(src, field, $"min ≤ max for pair {i} at length {length} (scale {Show(scale)}){Why(i)}", $"[{Show(low[i])}, {Show(high[i])}]");
            var lo = decimal.Ceiling((low[i] - origin) / space.Step);
            var hi = decimal.Floor((high[i] - origin) / space.Step);
            if (hi > int.MaxValue - 1) throw new InputException(src, "step", $"a step giving fewer than {int.MaxValue} grid points", Show(space.Step));
            if (hi < lo)
                throw new InputException(src, field, $"a grid point {Show(origin)} + k·{Show(space.Step)} inside [{Show(low[i])}, {Show(high[i])}] for pair {i} at length {length}{Why(i)}", "none");
            lowIndex[i] = (int)lo;
            highIndex[i] = (int)hi;
        }

        var choices = space.NHatChoices.Where(n => n < length).Distinct().Order().ToArray();
        if (choices.Length == 0)
            throw new InputException(src, "n_hat_choices", $"at least one choice below the stage length {length}", string.Join(",", space.NHatChoices));

        var ts = new TargetSpace
        {
            Kind = kind, Length = length, OriginalLength = space.OriginalLength, Pairs = space.Pairs,
            GridOrigin = origin, Step = space.Step, LowIndex = lowIndex, HighIndex = highIndex,
            Monotone = space.Monotone, CriticalPair = k, CriticalRule = cd.Rule, NHatChoices = choices,
            AttentionFactor = attentionFactor,
            AttentionGrid = kind == FactorKind.Long && space.AttentionFactor.Policy == AttentionFactorPolicy.Search ? space.AttentionFactor.Grid : null,
            Evolution = space.Evolution,
        };
        ts.CheckConsistent("search space");
        return ts;
    }

    /// <summary>
    /// Checks the invariants the operators rely on (used again when a checkpoint is restored, whose text may have been
    /// edited): bounds in order, monotone bounds when monotone, k in range, sorted n̂ choices, positive factor.
    /// </summary>
    internal void CheckConsistent(string source)
    {
        if (Pairs < 1 || LowIndex is null || HighIndex is null || LowIndex.Length != Pairs || HighIndex.Length != Pairs)
            throw new InputException(source, "space.pairs", "per-pair index bounds of length pairs");
        if (Step <= 0) throw new InputException(source, "space.step", "a positive step");
        for (int i = 0; i < Pairs; i++)
        {
            if (LowIndex[i] < 0 || HighIndex[i] < LowIndex[i]) throw new InputException(source, $"space.low_index[{i}]", "0 ≤ low ≤ high");
            if (Monotone && i > 0 && (LowIndex[i] < LowIndex[i - 1] || HighIndex[i] < HighIndex[i - 1]))
                throw new InputException(source, $"space.low_index[{i}]", "bounds that do not decrease with the pair index");
        }
        if (GridOrigin + LowIndex.Min() * Step <= 0) throw new InputException(source, "space.grid_origin", "positive λ bounds");
        if (CriticalPair < 0 || CriticalPair >= Pairs) throw new InputException(source, "space.critical_pair", $"an index in [0, {Pairs - 1}]");
        if (DerivesBelowCritical && GridOrigin + LowIndex.Min() * Step < 1)
            throw new InputException(source, "space.grid_origin", "λ bounds ≥ 1 with the ntk-below critical-dimension rule");
        if (NHatChoices is null || NHatChoices.Length == 0 || NHatChoices[0] < 0 || NHatChoices[^1] >= Length
            || NHatChoices.Zip(NHatChoices.Skip(1)).Any(p => p.First >= p.Second))
            throw new InputException(source, "space.n_hat_choices", "distinct ascending choices in [0, length)");
        if (!(double.IsFinite(AttentionFactor) && AttentionFactor > 0)) throw new InputException(source, "space.attention_factor", "a positive factor");
        if (AttentionGrid is { } g && !(g.Step > 0 && g.Min > 0 && g.Max >= g.Min && (g.Max - g.Min) / g.Step < int.MaxValue - 1))
            throw new InputException(source, "space.attention_grid", "a grid with 0 < min ≤ max and a positive step");
        if (Evolution is null) throw new InputException(source, "space.evolution", "evolution settings");
    }

    private static string Show(decimal v) => v.ToString(CultureInfo.InvariantCulture);
}
