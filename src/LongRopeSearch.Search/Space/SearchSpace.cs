using System.Text.Json.Serialization;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>
/// Everything a search file says, with lengths already resolved against the model's original context length L0
/// ("8x" → 8·L0). One space serves every stage of a plan: λ bounds that depend on the scale (the default
/// <c>max_scale_multiplier</c> form) are resolved per stage by <see cref="TargetSpace.Create"/>.
/// Build one with <see cref="SearchSpaceFile.Load"/> or in code; <see cref="Validate"/> checks it either way.
/// </summary>
public sealed record SearchSpace
{
    /// <summary>LongRoPE's n̂ choices (the paper's search space for retained start tokens).</summary>
    public static readonly IReadOnlyList<int> DefaultNHatChoices = [0, 1, 2, 4, 8, 12, 16, 20, 24, 28, 32, 64, 128, 256];

    /// <summary>Where the space came from (a file path, or "search space" in code): named in every error.</summary>
    public string Source { get; init; } = "search space";

    /// <summary>Rotary pairs of the model (head_dim / 2).</summary>
    public required int Pairs { get; init; }

    /// <summary>The model's original context length L0.</summary>
    public required int OriginalLength { get; init; }

    /// <summary>Target lengths in tokens, strictly increasing, each above L0 (the progressive plan).</summary>
    public IReadOnlyList<int> Targets { get; init; } = [];

    /// <summary>Length at which short factors are searched after the long targets, or null for none.</summary>
    public int? ShortLength { get; init; }

    /// <summary>λ bounds of the long targets.</summary>
    public LambdaBounds Lambda { get; init; } = new();

    /// <summary>λ bounds of the short search (resolved with the short scale max(Ls/L0, 1)).</summary>
    public LambdaBounds ShortLambda { get; init; } = new();

    /// <summary>Grid step of λ: every searched λ is GridOrigin + k·Step exactly (decimal arithmetic).</summary>
    public decimal Step { get; init; } = 0.01m;

    /// <summary>λ non-decreasing with the pair index (LongRoPE's constraint: lower frequencies interpolate at least as much).</summary>
    public bool Monotone { get; init; } = true;

    /// <summary>Allowed n̂ values; at each stage only those below the stage length are used.</summary>
    public IReadOnlyList<int> NHatChoices { get; init; } = DefaultNHatChoices;

    public CriticalDimensionSetting CriticalDimension { get; init; } = CriticalDimensionSetting.Off;

    public AttentionFactorSetting AttentionFactor { get; init; } = new();

    public EvolutionSettings Evolution { get; init; } = new();

    /// <summary>Seed of the search's one random generator.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Throws <see cref="LongRopeSearch.Core.InputException"/> naming <see cref="Source"/> and the field at fault.</summary>
    public void Validate() => SearchSpaceValidator.Validate(this);
}

/// <summary>
/// λ bounds [min, max] of every pair. min is <see cref="Min"/> or, per pair, <see cref="MinPerPair"/>; max is
/// <see cref="Max"/>, or per pair <see cref="MaxPerPair"/>, or else <see cref="MaxScaleMultiplier"/> × s where s is
/// the stage's scale (LongRoPE searches λ in [1, 1.25·s]). Decimal so that the grid is exact.
/// </summary>
public sealed record LambdaBounds
{
    public decimal Min { get; init; } = 1.0m;
    public IReadOnlyList<decimal>? MinPerPair { get; init; }
    public decimal? Max { get; init; }
    public IReadOnlyList<decimal>? MaxPerPair { get; init; }
    public decimal MaxScaleMultiplier { get; init; } = 1.25m;

    /// <summary>Per-pair [min, max] for a stage of scale <paramref name="scale"/>.</summary>
    public (decimal[] Low, decimal[] High) Resolve(int pairs, decimal scale)
    {
        var low = new decimal[pairs];   // [pairs]
        var high = new decimal[pairs];  // [pairs]
        for (int i = 0; i < pairs; i++)
        {
            low[i] = MinPerPair is { } mins ? mins[i] : Min;
            high[i] = MaxPerPair is { } maxs ? maxs[i] : Max ?? MaxScaleMultiplier * scale;
        }
        return (low, high);
    }
}

public enum CriticalDimensionMode
{
    /// <summary>Every pair is searched within the λ bounds.</summary>
    Off,

    /// <summary>The caller supplies the critical pair k computed from the model (file: <c>true</c> or <c>"pair": "model"</c>).</summary>
    FromModel,

    /// <summary>The file gives k (file: an integer, or <c>"pair": k</c>).</summary>
    Explicit,
}

/// <summary>What a critical pair k does to the search (see <see cref="CriticalDimensionSetting"/>).</summary>
public enum CriticalDimensionRule
{
    /// <summary>
    /// LongRoPE2's rule: every pair i ≥ k is bounded below by the stage's scale s (λ_i ≥ s, its rescaled period then
    /// covers the stage length); pairs below k are searched within the usual bounds. File: <c>"longrope2"</c>.
    /// </summary>
    LongRope2,

    /// <summary>
    /// Pairs i &lt; k are not searched but follow λ_i = λ_k^(i/k), an NTK-style curve from λ_0 = 1 to the searched
    /// λ_k (the "ntk_left" rule of the LongRoPE authors' development branch). File: <c>"ntk-below"</c>.
    /// </summary>
    NtkBelow,
}

/// <summary>
/// Critical dimension ("Scaling Laws of RoPE-based Extrapolation", Liu et al. 2023: the first pair whose period exceeds
/// L0 never completed a turn in training). Off, or a pair k with a <see cref="CriticalDimensionRule"/>:
/// <list type="bullet">
/// <item><see cref="CriticalDimensionRule.LongRope2"/> (the default, what <c>"critical_dimension": true</c> means):
/// LongRoPE2 (Shang et al. 2025) bounds every pair from the critical dimension up below by s, so those pairs are
/// interpolated at least as much as PI would; the pairs below k are searched as usual. In the authors' code
/// (microsoft/LongRoPE, branch dev/nishang/longrope, evolution/search.py) pairs ≥ k search [s, upper] and pairs
/// below [1, s + 5].</item>
/// <item><see cref="CriticalDimensionRule.NtkBelow"/>: pairs below k follow λ_k^(i/k) and only pairs ≥ k are
/// searched (branch dev/nishang/ntk-left, evolution/algorithms/dim_mono.py, ntk_left). This was this tool's only
/// rule before LongRoPE2's.</item>
/// </list>
/// </summary>
public sealed record CriticalDimensionSetting(
    [property: JsonConverter(typeof(JsonStringEnumConverter<CriticalDimensionMode>))] CriticalDimensionMode Mode,
    int? Pair = null,
    [property: JsonConverter(typeof(JsonStringEnumConverter<CriticalDimensionRule>))] CriticalDimensionRule Rule = CriticalDimensionRule.LongRope2)
{
    public static CriticalDimensionSetting Off { get; } = new(CriticalDimensionMode.Off);
}

public enum AttentionFactorPolicy
{
    /// <summary>√(1 + ln s / ln L0) for s = length / L0 &gt; 1, else 1 (LongRoPE / Phi-3 "longrope").</summary>
    LongRopeDefault,

    /// <summary>A fixed value for every stage.</summary>
    Fixed,

    /// <summary>
    /// A gene of every candidate of the long targets: a value of <see cref="AttentionFactorSetting.Grid"/>, seeded
    /// with each seed's own factor and with the <see cref="LongRopeDefault"/> value.
    /// </summary>
    Search,
}

/// <summary>
/// How the attention factor of a stage is chosen: fixed by a policy, or searched on a grid. The short stage never
/// searches it: a deployed LongRoPE model applies one attention factor to its short and long factors alike, so the
/// short stage takes the one the last long target found (see <see cref="ProgressiveSearch"/>).
/// </summary>
public sealed record AttentionFactorSetting(
    [property: JsonConverter(typeof(JsonStringEnumConverter<AttentionFactorPolicy>))] AttentionFactorPolicy Policy = AttentionFactorPolicy.LongRopeDefault,
    double Value = 1.0,
    AttentionFactorGrid? Grid = null)
{
    /// <summary>
    /// The factor of a stage of <paramref name="length"/> tokens extended from <paramref name="originalLength"/>: the
    /// fixed value, or LongRoPE's default (for <see cref="AttentionFactorPolicy.Search"/>: the value seeded beside
    /// each seed's own).
    /// </summary>
    public double For(int length, int originalLength)
    {
        if (Policy == AttentionFactorPolicy.Fixed) return Value;
        return AttentionFactors.LongRopeDefault((double)length / originalLength, originalLength);
    }
}

/// <summary>
/// The searched attention factors: Min + k·Step for k = 0 … while ≤ Max, in decimal so each value is the double of
/// its decimal text (as the λ grid). Like n̂, a candidate holds one of these values.
/// </summary>
public sealed record AttentionFactorGrid(decimal Min, decimal Max, decimal Step)
{
    /// <summary>Grid points: ⌊(Max − Min) / Step⌋ + 1 (Max itself only when it lies on the grid).</summary>
    [JsonIgnore]
    public int Count => (int)decimal.Floor((Max - Min) / Step) + 1;

    /// <summary>The canonical double of grid point <paramref name="index"/> (parsed from its exact decimal text).</summary>
    public double Value(int index) =>
        double.Parse((Min + index * Step).ToString(System.Globalization.CultureInfo.InvariantCulture), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The grid index nearest to <paramref name="factor"/>, clamped to the grid (a seed's own factor).</summary>
    public int Nearest(double factor)
    {
        var k = Math.Round((factor - (double)Min) / (double)Step);
        return (int)Math.Clamp(double.IsNaN(k) ? 0 : k, 0, Count - 1);
    }
}

/// <summary>The evolution's sizes and rates (LongRoPE's defaults for ≤ 256k targets).</summary>
public sealed record EvolutionSettings
{
    /// <summary>Size of generation 0 (seeds, then seed mutations); at least the number of distinct seeds.</summary>
    public int Population { get; init; } = 64;

    /// <summary>
    /// Generations of children after the initial population (generation 0), as microsoft/LongRoPE's
    /// <c>max_time_budget</c>: a stage makes Population + Generations·(Mutations + Crossovers) evaluations (64 + 40·32
    /// = 1,344 with the defaults). Generations are numbered 0 … Generations.
    /// </summary>
    public int Generations { get; init; } = 40;

    /// <summary>How many of the best full evaluations breed each generation.</summary>
    public int Parents { get; init; } = 32;

    public int Mutations { get; init; } = 16;
    public int Crossovers { get; init; } = 16;

    /// <summary>Probability that a mutation resamples a given searched pair (and, separately, n̂).</summary>
    public double MutationProbability { get; init; } = 0.3;

    /// <summary>Attempts to draw a mutation that is new before the child is given up.</summary>
    public int MaxMutationTries { get; init; } = 100;

    /// <summary>Attempts to draw a new, monotone crossover before falling back to a mutation of the first parent.</summary>
    public int MaxCrossoverTries { get; init; } = 20;

    /// <summary>Samples per evaluation (K): the evaluator must score exactly this many.</summary>
    public int Samples { get; init; } = 5;

    /// <summary>
    /// A stage's compute budget in full evaluations (null: none, the stage runs its <see cref="Generations"/>): the
    /// stage ends at the first generation boundary where the work done (generation 0 included) reaches this many full
    /// evaluations' worth: FLOPs when the evaluator reports them (a full evaluation's FLOPs are those of the stage's
    /// first full evaluation), else complete samples (K per full evaluation). With early abandon, the work it saves
    /// buys more generations, up to <see cref="Generations"/>. Work done is a function of the completed generations'
    /// scores only, so where a stage ends does not depend on evaluation order. Null in checkpoints written before it
    /// existed, which therefore load unchanged.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public double? FlopsBudget { get; init; }

    public EarlyAbandonSettings EarlyAbandon { get; init; } = new();
}

/// <summary>See <see cref="AbandonRule"/> for the rule itself.</summary>
public sealed record EarlyAbandonSettings(bool Enabled = true, double Margin = AbandonRule.DefaultMargin, int MinSamples = 1)
{
    /// <summary>
    /// Prefix-first abandon (null: off, and every sample is scored in one whole-sequence pass, as before). Absent from
    /// checkpoints written before it existed, which therefore load unchanged.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public PrefixAbandonSettings? Prefix { get; init; }

    /// <summary>
    /// r: the threshold candidate is the r-th best full evaluation of the previous generations (1 ≤ r ≤ parents; null:
    /// r = parents, the worst parent, LongRoPE's own cut). Below parents the rule asks a child to look as good as the
    /// r-th best parent so far: children that would only just enter the parent set are given up early. On the
    /// shipped checkpoint about 45% of children beat the worst parent in every generation, so no rule with r = parents
    /// can save more than about half of the work (README, "Prefix-first abandon"). Null in checkpoints written before
    /// it existed, which therefore load unchanged.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public int? ThresholdRank { get; init; }

    /// <summary>
    /// Successive halving over samples (null: off). In each generation that has an abandon rule, every child is first
    /// scored on the first <see cref="ScreenSettings.Samples"/> samples only (under the generation's rule); when the
    /// whole generation is screened, only the <see cref="ScreenSettings.Keep"/> best by their NLL over those samples
    /// are evaluated on the remaining samples, continuing after the screened ones; the others keep their screen score,
    /// as abandoned. The cut is a ranking of the whole generation, so it does not depend on the order in which
    /// evaluations finish. Null in checkpoints written before it existed, which therefore load unchanged.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public ScreenSettings? Screen { get; init; }
}

/// <summary>
/// The screen of successive halving (<see cref="EarlyAbandonSettings.Screen"/>): score every child of a generation on
/// its first <paramref name="Samples"/> samples, then finish only the <paramref name="Keep"/> best of them.
/// </summary>
public sealed record ScreenSettings(int Samples, int Keep);

/// <summary>
/// Prefix-first abandon: each sample is evaluated in prefix steps ending at these fractions of its L − 1 positions
/// (then at L − 1), and after each step that does not complete a sample the candidate is abandoned when its mean NLL
/// over every position done so far exceeds the threshold candidate's over the same positions of the same samples by
/// more than <see cref="Margin"/> nats (<see cref="AbandonRule.ShouldContinueAfterStep"/>).
/// </summary>
public sealed record PrefixAbandonSettings
{
    /// <summary>Step ends as fractions of a sample's positions, strictly increasing in (0, 1).</summary>
    public double[] Fractions { get; init; } = [];

    /// <summary>Nats of mean NLL over the positions done.</summary>
    public double Margin { get; init; } = AbandonRule.DefaultMargin;

    /// <summary>
    /// Where the step at <paramref name="fraction"/> of a sample's <paramref name="positions"/> (L − 1) ends:
    /// ⌊fraction·positions⌋. The one definition the searcher's ends and the planner's costs both use.
    /// </summary>
    public static int EndAt(double fraction, int positions) => (int)Math.Floor(fraction * positions);

    /// <summary>
    /// The step ends at a sample of <paramref name="length"/> tokens: ⌊f·(L − 1)⌋ for each fraction (those in
    /// [1, L − 2], without repeats), then L − 1. Every candidate of a stage uses the same ends.
    /// </summary>
    public int[] EndsFor(int length)
    {
        int positions = length - 1;
        var ends = new List<int>(Fractions.Length + 1);
        foreach (var f in Fractions)
        {
            int e = EndAt(f, positions);
            if (e >= 1 && e < positions && (ends.Count == 0 || e > ends[^1])) ends.Add(e);
        }
        ends.Add(positions);
        return ends.ToArray();
    }
}
