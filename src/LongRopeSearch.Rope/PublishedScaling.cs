using System.Globalization;

namespace LongRopeSearch.Rope;

/// <summary>
/// A model's own RoPE scaling (config.json rope_scaling, or transformers v5's rope_parameters) as Hugging Face
/// transformers applies it (modeling_rope_utils.py, v5), written as the project's factor sets: every rope_type yields
/// modified inverse frequencies θ'_i and a cos/sin multiplier, so at a sequence length L it is the factor set
/// λ_i = θ_i / θ'_i, n̂ = 0, attention factor = transformers' attention_scaling. Scoring that factor set is scoring the
/// model as published; a search can take it as a seed and as the "as published" row of a validation table.
/// <see cref="Geometry"/> is the rotary geometry of the model (rotary dim = head_dim × partial_rotary_factor) with the
/// original length L0 this scaling measures itself against (<see cref="OriginalLength"/>).
/// Created by the config reader (LongRopeSearch.Model), which resolves transformers' defaults and key precedence.
/// </summary>
public abstract class PublishedScaling
{
    private protected PublishedScaling(string type, RopeGeometry geometry, ScalingSource source)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        ArgumentNullException.ThrowIfNull(source);
        Type = type;
        Geometry = geometry;
        Source = source.File;
        Field = source.Field;
    }

    /// <summary>rope_type as transformers runs it: "linear", "dynamic", "yarn", "llama3" or "longrope".</summary>
    public string Type { get; }

    /// <summary>Rotary dim, rope_theta and the L0 of this scaling (see <see cref="OriginalLength"/>).</summary>
    public RopeGeometry Geometry { get; }

    /// <summary>
    /// The original length the scaling is defined against: original_max_position_embeddings for yarn, llama3 and
    /// longrope (longrope switches from short to long factors beyond it), max_position_embeddings for dynamic (the
    /// length beyond which its base grows), the model's L0 for linear.
    /// </summary>
    public int OriginalLength => Geometry.OriginalLength;

    /// <summary>The file it was read from, e.g. "models/x/config.json" (for messages).</summary>
    public string Source { get; }

    /// <summary>The object in that file: "rope_scaling" or "rope_parameters".</summary>
    public string Field { get; }

    /// <summary>True when the factors depend on the sequence length (dynamic, longrope).</summary>
    public abstract bool DependsOnLength { get; }

    /// <summary>The factor set transformers' forward pass uses on a sequence of <paramref name="length"/> tokens.</summary>
    public FactorSet FactorsAt(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        return Compute(length);
    }

    /// <summary>A short description, e.g. "yarn factor 4, L0 32768, attention factor 1.1386".</summary>
    public abstract string Describe();

    public override string ToString() => Describe();

    /// <summary>The label of this scaling as a method ("as published (yarn)"): eval's row, a search's seed and validation row.</summary>
    public string Label => $"as published ({Type})";

    private protected abstract FactorSet Compute(int length);

    private protected static string Format(double v) => v.ToString("0.######", CultureInfo.InvariantCulture);

    /// <summary>"linear": θ'_i = θ_i / factor (λ_i = factor), attention factor 1.</summary>
    public static PublishedScaling Linear(RopeGeometry geometry, double factor, ScalingSource source) => new LinearScaling(geometry, factor, source);

    /// <summary>
    /// "dynamic" (dynamic NTK): on a sequence of L tokens the base becomes b·(f·n/M − (f − 1))^(d/(d−2)) with
    /// n = max(L, M), M = max_position_embeddings (transformers reads max_position_embeddings here, not
    /// original_max_position_embeddings), d the rotary dim; attention factor 1. So at L ≤ M it is plain RoPE.
    /// Transformers keeps the frequencies of the longest sequence seen so far between calls; this is the value a freshly
    /// loaded model uses on one sequence of length L (every sample of one evaluation has the same length).
    /// </summary>
    public static PublishedScaling DynamicNtk(RopeGeometry geometry, double factor, int maxPositionEmbeddings, ScalingSource source) =>
        new DynamicNtkScaling(new RopeGeometry(geometry.HeadDim, geometry.RopeTheta, maxPositionEmbeddings), factor, source);

    /// <summary>
    /// "yarn": the ramp of <see cref="Baselines.Yarn"/> over L0 = original_max_position_embeddings with the given
    /// factor (transformers v5 uses the explicit factor; v4.50–v4.57 replaced it by max_position_embeddings / L0),
    /// beta_fast/beta_slow (null or 0 → 32 / 1, as transformers' <c>or</c>), truncate (null → true). Attention factor:
    /// attention_factor when set; else with mscale and mscale_all_dim both set and non-zero
    /// get_mscale(f, mscale) / get_mscale(f, mscale_all_dim); else get_mscale(f) = 0.1·ln f + 1 (1 for f ≤ 1).
    /// </summary>
    public static PublishedScaling Yarn(RopeGeometry geometry, double factor, double? attentionFactor, double? betaFast, double? betaSlow,
        double? mscale, double? mscaleAllDim, bool? truncate, ScalingSource source)
    {
        double af = attentionFactor
            ?? (mscale is { } m && m != 0 && mscaleAllDim is { } ma && ma != 0
                ? AttentionFactors.YarnMscale(factor, m) / AttentionFactors.YarnMscale(factor, ma)
                : AttentionFactors.YarnDefault(factor));
        double fast = betaFast is { } bf && bf != 0 ? bf : Baselines.YarnBetaFast;
        double slow = betaSlow is { } bs && bs != 0 ? bs : Baselines.YarnBetaSlow;
        return new YarnScaling(geometry, factor, af, fast, slow, truncate ?? true, source);
    }

    /// <summary>"llama3": <see cref="Baselines.Llama3"/> over L0 = original_max_position_embeddings; attention factor 1.</summary>
    public static PublishedScaling Llama3(RopeGeometry geometry, double factor, double lowFreqFactor, double highFreqFactor, ScalingSource source) =>
        new Llama3Scaling(geometry, factor, lowFreqFactor, highFreqFactor, source);

    /// <summary>
    /// "longrope" (Phi-3): θ'_i = θ_i / ext_i with ext = short_factor when L ≤ L0 = original_max_position_embeddings and
    /// long_factor beyond, so λ_i = ext_i. The attention factor is the same on both sides: attention_factor when set;
    /// else √(1 + ln f / ln L0) (1 for f ≤ 1) with f = factor, or when factor is absent max_position_embeddings / L0.
    /// </summary>
    public static PublishedScaling LongRope(RopeGeometry geometry, IReadOnlyList<double> shortFactor, IReadOnlyList<double> longFactor,
        double? factor, double? attentionFactor, int maxPositionEmbeddings, ScalingSource source)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        double f = factor ?? (double)maxPositionEmbeddings / geometry.OriginalLength;
        double af = attentionFactor ?? (f <= 1 ? 1.0 : Math.Sqrt(1 + Math.Log(f) / Math.Log(geometry.OriginalLength)));
        return new LongRopeScaling(geometry, shortFactor, longFactor, f, af, source);
    }

    private sealed class LinearScaling(RopeGeometry geometry, double factor, ScalingSource source) : PublishedScaling("linear", geometry, source)
    {
        public override bool DependsOnLength => false;

        public override string Describe() => $"linear factor {Format(factor)}";

        private protected override FactorSet Compute(int length) =>
            new(Enumerable.Repeat(factor, Geometry.Pairs).ToArray(), 0, 1.0, $"{Source} {Field}");
    }

    private sealed class DynamicNtkScaling(RopeGeometry geometry, double factor, ScalingSource source) : PublishedScaling("dynamic", geometry, source)
    {
        public override bool DependsOnLength => true;

        public override string Describe() => $"dynamic factor {Format(factor)}, base grows beyond max_position_embeddings {OriginalLength}";

        private protected override FactorSet Compute(int length) => Baselines.DynamicNtk(Geometry, factor, length);
    }

    private sealed class YarnScaling(RopeGeometry geometry, double factor, double attentionFactor, double betaFast, double betaSlow, bool truncate,
        ScalingSource source) : PublishedScaling("yarn", geometry, source)
    {
        public override bool DependsOnLength => false;

        public override string Describe() =>
            $"yarn factor {Format(factor)}, L0 {OriginalLength}, beta_fast {Format(betaFast)}, beta_slow {Format(betaSlow)}, attention factor {Format(attentionFactor)}";

        private protected override FactorSet Compute(int length) =>
            Baselines.Yarn(Geometry, factor, betaFast, betaSlow, truncate).With(attentionFactor: attentionFactor);
    }

    private sealed class Llama3Scaling(RopeGeometry geometry, double factor, double low, double high, ScalingSource source) : PublishedScaling("llama3", geometry, source)
    {
        public override bool DependsOnLength => false;

        public override string Describe() => $"llama3 factor {Format(factor)}, L0 {OriginalLength}, low/high freq factor {Format(low)}/{Format(high)}";

        private protected override FactorSet Compute(int length) => Baselines.Llama3(Geometry, factor, low, high);
    }

    private sealed class LongRopeScaling : PublishedScaling
    {
        private readonly FactorSet _short, _long;
        private readonly double _factor;

        public LongRopeScaling(RopeGeometry geometry, IReadOnlyList<double> shortFactor, IReadOnlyList<double> longFactor, double factor,
            double attentionFactor, ScalingSource source)
            : base("longrope", geometry, source)
        {
            ArgumentNullException.ThrowIfNull(shortFactor);
            ArgumentNullException.ThrowIfNull(longFactor);
            if (shortFactor.Count != geometry.Pairs || longFactor.Count != geometry.Pairs)
                throw new ArgumentException($"longrope needs {geometry.Pairs} short and long factors, got {shortFactor.Count} and {longFactor.Count}");
            _short = new FactorSet(shortFactor, 0, attentionFactor, $"{source.File} {source.Field}.short_factor");
            _long = new FactorSet(longFactor, 0, attentionFactor, $"{source.File} {source.Field}.long_factor");
            _factor = factor;
        }

        public override bool DependsOnLength => true;

        public override string Describe() =>
            $"longrope short factors up to L0 {OriginalLength}, long beyond, factor {Format(_factor)}, attention factor {Format(_short.AttentionFactor)}";

        private protected override FactorSet Compute(int length) => length > OriginalLength ? _long : _short;
    }
}

/// <summary>Where a <see cref="PublishedScaling"/> was read: the file and the object in it ("rope_scaling" or "rope_parameters").</summary>
public sealed record ScalingSource(string File, string Field);
