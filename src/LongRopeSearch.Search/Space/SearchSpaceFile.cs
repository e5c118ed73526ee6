using System.Globalization;
using System.Text.Json;
using LongRopeSearch.Core;

namespace LongRopeSearch.Search;

/// <summary>
/// Reads a search-space JSON file (schema: search-spaces/README.md). Every member is optional and defaults to
/// LongRoPE's settings; unknown members are errors. Lengths may be token counts or multiples of L0 ("8x").
/// </summary>
public static class SearchSpaceFile
{
    /// <summary>What <see cref="JsonInputObject.RejectUnknown"/> says a valid member is.</summary>
    private const string KnownSettings = "a known setting (see search-spaces/README.md)";

    /// <summary>Reads and validates <paramref name="path"/> for a model with <paramref name="pairs"/> rotary pairs and original context <paramref name="originalLength"/>.</summary>
    public static SearchSpace Load(string path, int pairs, int originalLength)
    {
        ArgumentNullException.ThrowIfNull(path);
        using var doc = JsonInput.ParseFile(path, "search-space JSON file");
        return FromDocument(doc, path, pairs, originalLength);
    }

    /// <summary>As <see cref="Load"/>, from text; <paramref name="source"/> is named in errors.</summary>
    public static SearchSpace Parse(string json, string source, int pairs, int originalLength)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = JsonInput.Parse(source, json);
        return FromDocument(doc, source, pairs, originalLength);
    }

    private static SearchSpace FromDocument(JsonDocument doc, string source, int pairs, int originalLength)
    {
        var space = Read(new JsonInputObject(source, doc.RootElement), pairs, originalLength);
        space.Validate();
        return space;
    }

    private static SearchSpace Read(JsonInputObject r, int pairs, int l0)
    {
        var defaults = new SearchSpace { Source = r.Source, Pairs = pairs, OriginalLength = l0 };
        var lambda = ReadBounds(r.Object("lambda")) ?? defaults.Lambda;
        var shortObj = r.Object("short");
        int? shortLength = null;
        var shortLambda = new LambdaBounds { MaxScaleMultiplier = lambda.MaxScaleMultiplier };
        if (shortObj is not null)
        {
            shortLength = shortObj.Get("length") is { } len ? ReadLength(shortObj, len, shortObj.Field("length"), l0)
                : throw new InputException(r.Source, shortObj.Field("length"), "the short search length (tokens or \"2x\")", "the field is missing");
            shortLambda = ReadBounds(shortObj.Object("lambda")) ?? shortLambda;
            shortObj.RejectUnknown(KnownSettings);
        }

        var targets = r.Array("targets")?.Select((e, i) => ReadLength(r, e, $"{r.Field("targets")}[{i}]", l0)).ToArray();
        var nHat = r.Array("n_hat_choices")?.Select((e, i) =>
            e.ValueKind == JsonValueKind.Number && e.TryGetInt32(out var n) ? n
                : throw new InputException(r.Source, $"n_hat_choices[{i}]", "an integer", JsonInput.Show(e))).ToArray();

        var space = defaults with
        {
            Targets = targets ?? defaults.Targets,
            ShortLength = shortLength,
            Lambda = lambda,
            ShortLambda = shortLambda,
            Step = r.Decimal("step") ?? defaults.Step,
            Monotone = r.Bool("monotone") ?? defaults.Monotone,
            NHatChoices = nHat ?? defaults.NHatChoices,
            CriticalDimension = ReadCritical(r),
            AttentionFactor = ReadAttentionFactor(r.Object("attention_factor")) ?? defaults.AttentionFactor,
            Evolution = ReadEvolution(r, defaults.Evolution),
            Seed = r.UInt64("seed") ?? defaults.Seed,
        };
        r.RejectUnknown(KnownSettings);
        return space;
    }

    private static EvolutionSettings ReadEvolution(JsonInputObject r, EvolutionSettings d)
    {
        var abandon = d.EarlyAbandon;
        if (r.Object("early_abandon") is { } a)
        {
            abandon = new EarlyAbandonSettings(a.Bool("enabled") ?? abandon.Enabled, a.Double("margin") ?? abandon.Margin, a.Int("min_samples") ?? abandon.MinSamples)
            {
                Prefix = ReadPrefix(a.Object("prefix")) ?? abandon.Prefix,
                ThresholdRank = a.Int("threshold_rank") ?? abandon.ThresholdRank,
                Screen = ReadScreen(a.Object("screen")) ?? abandon.Screen,
            };
            a.RejectUnknown(KnownSettings);
        }
        return new EvolutionSettings
        {
            Population = r.Int("population") ?? d.Population,
            Generations = r.Int("generations") ?? d.Generations,
            Parents = r.Int("parents") ?? d.Parents,
            Mutations = r.Int("mutations") ?? d.Mutations,
            Crossovers = r.Int("crossovers") ?? d.Crossovers,
            MutationProbability = r.Double("mutation_probability") ?? d.MutationProbability,
            MaxMutationTries = r.Int("max_mutation_tries") ?? d.MaxMutationTries,
            MaxCrossoverTries = r.Int("max_crossover_tries") ?? d.MaxCrossoverTries,
            Samples = r.Int("samples") ?? d.Samples,
            FlopsBudget = r.Double("flops_budget") ?? d.FlopsBudget,
            EarlyAbandon = abandon,
        };
    }

    private static ScreenSettings? ReadScreen(JsonInputObject? r)
    {
        if (r is null) return null;
        var screen = new ScreenSettings(
            r.Int("samples") ?? throw new InputException(r.Source, r.Field("samples"), "the samples every child is screened on, e.g. 1"),
            r.Int("keep") ?? throw new InputException(r.Source, r.Field("keep"), "how many children of a generation are evaluated past the screen, e.g. 6"));
        r.RejectUnknown(KnownSettings);
        return screen;
    }

    private static PrefixAbandonSettings? ReadPrefix(JsonInputObject? r)
    {
        if (r is null) return null;
        var fractions = r.Array("fractions")?.Select((e, i) =>
            e.ValueKind == JsonValueKind.Number ? e.GetDouble()
                : throw new InputException(r.Source, $"{r.Field("fractions")}[{i}]", "a number in (0, 1)", JsonInput.Show(e))).ToArray();
        var p = new PrefixAbandonSettings
        {
            Fractions = fractions ?? throw new InputException(r.Source, r.Field("fractions"), "an array of step ends as fractions of a sample, e.g. [0.25, 0.5]"),
            Margin = r.Double("margin") ?? AbandonRule.DefaultMargin,
        };
        r.RejectUnknown(KnownSettings);
        return p;
    }

    private static LambdaBounds? ReadBounds(JsonInputObject? r)
    {
        if (r is null) return null;
        var b = new LambdaBounds();
        if (r.Get("min") is { } min)
            b = min.ValueKind == JsonValueKind.Array ? b with { MinPerPair = ReadDecimals(r, min, "min") } : b with { Min = r.ToDecimal(min, r.Field("min")) };
        var max = r.Get("max");
        var multiplier = r.Decimal("max_scale_multiplier");
        if (max is { } && multiplier is not null)
            throw new InputException(r.Source, r.Field("max"), "either max or max_scale_multiplier, not both", "both");
        if (max is { } mx)
            b = mx.ValueKind == JsonValueKind.Array ? b with { MaxPerPair = ReadDecimals(r, mx, "max") } : b with { Max = r.ToDecimal(mx, r.Field("max")) };
        if (multiplier is { } m) b = b with { MaxScaleMultiplier = m };
        r.RejectUnknown(KnownSettings);
        return b;
    }

    private static decimal[] ReadDecimals(JsonInputObject r, JsonElement array, string name) =>
        array.EnumerateArray().Select((e, i) => r.ToDecimal(e, $"{r.Field(name)}[{i}]")).ToArray();

    /// <summary>
    /// <c>false</c>; <c>true</c> (the model's critical pair, LongRoPE2's rule); an integer k (LongRoPE2's rule at k);
    /// or <c>{"rule": "longrope2" | "ntk-below", "pair": "model" | k}</c>.
    /// </summary>
    private static CriticalDimensionSetting ReadCritical(JsonInputObject r)
    {
        const string expected = "false, true (the model's critical pair), a pair index, or {\"rule\": ..., \"pair\": ...}";
        if (r.Get("critical_dimension") is not { } v) return CriticalDimensionSetting.Off;
        switch (v.ValueKind)
        {
            case JsonValueKind.False: return CriticalDimensionSetting.Off;
            case JsonValueKind.True: return new CriticalDimensionSetting(CriticalDimensionMode.FromModel);
            case JsonValueKind.Number when v.TryGetInt32(out var k): return new CriticalDimensionSetting(CriticalDimensionMode.Explicit, k);
            case JsonValueKind.Object: break;
            default: throw r.Wrong("critical_dimension", expected, v);
        }
        var o = new JsonInputObject(r.Source, v, r.Field("critical_dimension") + ".");
        var ruleText = o.String("rule") ?? "longrope2";
        var rule = ruleText switch
        {
            "longrope2" => CriticalDimensionRule.LongRope2,
            "ntk-below" => CriticalDimensionRule.NtkBelow,
            _ => throw new InputException(r.Source, o.Field("rule"), "\"longrope2\" or \"ntk-below\"", $"\"{ruleText}\""),
        };
        var setting = o.Get("pair") switch
        {
            null => new CriticalDimensionSetting(CriticalDimensionMode.FromModel, null, rule),
            { ValueKind: JsonValueKind.String } p when p.GetString() == "model" => new CriticalDimensionSetting(CriticalDimensionMode.FromModel, null, rule),
            { ValueKind: JsonValueKind.Number } p when p.TryGetInt32(out var pair) => new CriticalDimensionSetting(CriticalDimensionMode.Explicit, pair, rule),
            { } p => throw o.Wrong("pair", "\"model\" or a pair index", p),
        };
        o.RejectUnknown(KnownSettings);
        return setting;
    }

    /// <summary>
    /// <c>{"policy": "longrope-default"}</c>, <c>{"policy": "fixed", "value": x}</c> or
    /// <c>{"policy": "search", "min": a, "max": b, "step": c}</c> (min/max/step only with "search", read as decimals
    /// like the λ grid).
    /// </summary>
    private static AttentionFactorSetting? ReadAttentionFactor(JsonInputObject? r)
    {
        if (r is null) return null;
        var policy = r.String("policy") ?? "longrope-default";
        var value = r.Double("value");
        var min = r.Decimal("min");
        var max = r.Decimal("max");
        var step = r.Decimal("step");
        r.RejectUnknown(KnownSettings);
        if (policy != "search" && (min ?? max ?? step) is not null)
            throw new InputException(r.Source, r.Field(min is not null ? "min" : max is not null ? "max" : "step"), "min, max and step only with policy \"search\"", "a grid setting");
        return policy switch
        {
            "longrope-default" when value is null => new AttentionFactorSetting(AttentionFactorPolicy.LongRopeDefault),
            "longrope-default" => throw new InputException(r.Source, r.Field("value"), "no value with policy \"longrope-default\" (use \"fixed\")", "a value"),
            "fixed" => new AttentionFactorSetting(AttentionFactorPolicy.Fixed,
                value ?? throw new InputException(r.Source, r.Field("value"), "the fixed attention factor", "the field is missing")),
            "search" when value is not null => throw new InputException(r.Source, r.Field("value"), "no value with policy \"search\" (min, max, step)", "a value"),
            "search" => new AttentionFactorSetting(AttentionFactorPolicy.Search, 1.0, new AttentionFactorGrid(
                min ?? throw new InputException(r.Source, r.Field("min"), "the smallest searched attention factor", "the field is missing"),
                max ?? throw new InputException(r.Source, r.Field("max"), "the largest searched attention factor", "the field is missing"),
                step ?? 0.01m)),
            _ => throw new InputException(r.Source, r.Field("policy"), "\"longrope-default\", \"fixed\" or \"search\"", $"\"{policy}\""),
        };
    }

    /// <summary>A length: a positive integer of tokens, or "&lt;m&gt;x" for m·L0 (e.g. "8x", "0.5x"), which must be whole.</summary>
    private static int ReadLength(JsonInputObject r, JsonElement v, string field, int l0)
    {
        const string expected = "a length in tokens or a multiple of the original length such as \"8x\"";
        if (v.ValueKind == JsonValueKind.Number)
            return v.TryGetInt32(out var n) && n > 0 ? n : throw new InputException(r.Source, field, expected, JsonInput.Show(v));
        if (v.ValueKind != JsonValueKind.String) throw new InputException(r.Source, field, expected, JsonInput.Show(v));
        var s = v.GetString()!.Trim();
        if (!s.EndsWith('x') || !decimal.TryParse(s[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var m) || m <= 0)
            throw new InputException(r.Source, field, expected, JsonInput.Show(v));
        var tokens = m * l0;
        if (tokens != decimal.Truncate(tokens) || tokens > int.MaxValue)
            throw new InputException(r.Source, field, $"a multiple giving a whole number of tokens below 2^31 (L0 = {l0})", $"{tokens.ToString(CultureInfo.InvariantCulture)} tokens");
        return (int)tokens;
    }
}
