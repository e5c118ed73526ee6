using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Search;

/// <summary>
/// Checks a <see cref="SearchSpace"/> against itself and against the model (pair count, L0). Field names in the
/// messages are the JSON names of <see cref="SearchSpaceFile"/>, so a user can find the line to fix.
/// </summary>
internal static class SearchSpaceValidator
{
    public static void Validate(SearchSpace space)
    {
        var src = space.Source;
        if (space.Pairs < 1) throw new InputException(src, "pairs", "a model with at least one rotary pair", Show(space.Pairs));
        if (space.OriginalLength < 2) throw new InputException(src, "original_length", "an original context length of at least 2 tokens", Show(space.OriginalLength));

        ValidateLengths(space);
        if (space.Step <= 0) throw new InputException(src, "step", "a positive number", Show(space.Step));
        ValidateBounds(space, space.Lambda, "lambda");
        ValidateBounds(space, space.ShortLambda, "short.lambda");
        ValidateNHat(space);
        ValidateCritical(space);

        ValidateAttentionFactor(space);

        ValidateEvolution(src, space.Evolution);

        // Every stage must leave at least one grid point per pair; resolving each stage says which one does not.
        foreach (var t in space.Targets) _ = TargetSpace.Create(space, FactorKind.Long, t, CriticalPairForCheck(space), 1.0);
        if (space.ShortLength is { } sl) _ = TargetSpace.Create(space, FactorKind.Short, sl, CriticalPairForCheck(space), 1.0);
    }

    private static void ValidateLengths(SearchSpace space)
    {
        var src = space.Source;
        for (int i = 0; i < space.Targets.Count; i++)
        {
            var t = space.Targets[i];
            if (t <= space.OriginalLength)
                throw new InputException(src, $"targets[{i}]", $"a length above the model's original context length {space.OriginalLength}", Show(t));
            if (i > 0 && t <= space.Targets[i - 1])
                throw new InputException(src, $"targets[{i}]", "target lengths in strictly increasing order", Show(t));
        }
        if (space.ShortLength is { } sl)
        {
            if (sl < 1) throw new InputException(src, "short.length", "a positive length", Show(sl));
            if (space.Targets.Count > 0 && sl >= space.Targets[0])
                throw new InputException(src, "short.length", $"a length below the first target {space.Targets[0]}", Show(sl));
        }
    }

    private static void ValidateBounds(SearchSpace space, LambdaBounds b, string field)
    {
        var src = space.Source;
        if (b.Min <= 0) throw new InputException(src, field + ".min", "a positive number", Show(b.Min));
        if (b.Max is { } max && max <= 0) throw new InputException(src, field + ".max", "a positive number", Show(max));
        if (b.MaxScaleMultiplier <= 0)
            throw new InputException(src, field + ".max_scale_multiplier", "a positive number", Show(b.MaxScaleMultiplier));
        CheckPerPair(space, b.MinPerPair, field + ".min");
        CheckPerPair(space, b.MaxPerPair, field + ".max");
    }

    private static void CheckPerPair(SearchSpace space, IReadOnlyList<decimal>? values, string field)
    {
        if (values is null) return;
        var src = space.Source;
        if (values.Count != space.Pairs)
            throw new InputException(src, field,
                $"one value per rotary pair (the model has {space.Pairs} pairs)",
                $"{values.Count} values (the search space has {values.Count} pairs, the model has {space.Pairs})");
        for (int i = 0; i < values.Count; i++)
        {
            if (values[i] <= 0) throw new InputException(src, $"{field}[{i}]", "a positive number", Show(values[i]));
            if (space.Monotone && i > 0 && values[i] < values[i - 1])
                throw new InputException(src, $"{field}[{i}]",
                    "values that do not decrease with the pair index (monotone is on, so bounds must be monotone too)", Show(values[i]));
        }
    }

    private static void ValidateNHat(SearchSpace space)
    {
        var src = space.Source;
        if (space.NHatChoices.Count == 0) throw new InputException(src, "n_hat_choices", "at least one choice (use [0] to keep n̂ = 0)", "[]");
        var seen = new HashSet<int>();
        for (int i = 0; i < space.NHatChoices.Count; i++)
        {
            var n = space.NHatChoices[i];
            if (n < 0) throw new InputException(src, $"n_hat_choices[{i}]", "an integer ≥ 0", Show(n));
            if (!seen.Add(n)) throw new InputException(src, $"n_hat_choices[{i}]", "distinct values", Show(n) + " twice");
        }
    }

    private static void ValidateAttentionFactor(SearchSpace space)
    {
        var src = space.Source;
        var af = space.AttentionFactor;
        if (af.Policy == AttentionFactorPolicy.Fixed && !(double.IsFinite(af.Value) && af.Value > 0))
            throw new InputException(src, "attention_factor.value", "a finite positive number", Show(af.Value));
        if (af.Policy != AttentionFactorPolicy.Search) return;
        if (af.Grid is not { } g) throw new InputException(src, "attention_factor", "min and max of the searched attention factor", "none");
        if (g.Min <= 0) throw new InputException(src, "attention_factor.min", "a positive number", Show(g.Min));
        if (g.Max < g.Min) throw new InputException(src, "attention_factor.max", $"a number ≥ min = {Show(g.Min)}", Show(g.Max));
        if (g.Step <= 0) throw new InputException(src, "attention_factor.step", "a positive number", Show(g.Step));
        if ((g.Max - g.Min) / g.Step > 1_000_000)
            throw new InputException(src, "attention_factor.step", "a step giving at most a million grid points", Show(g.Step));
    }

    private static void ValidateCritical(SearchSpace space)
    {
        var src = space.Source;
        var cd = space.CriticalDimension;
        if (cd.Mode == CriticalDimensionMode.Off) return;
        if (cd.Mode == CriticalDimensionMode.Explicit)
        {
            if (cd.Pair is not { } k || k < 1 || k >= space.Pairs)
                throw new InputException(src, "critical_dimension", $"a pair index in [1, {space.Pairs - 1}]", cd.Pair?.ToString(CultureInfo.InvariantCulture) ?? "none");
        }
        if (cd.Rule != CriticalDimensionRule.NtkBelow) return;
        // λ_i = λ_k^(i/k) rises from 1 only when λ_k ≥ 1; below 1 the curve would fall and break monotonicity.
        foreach (var (b, field) in new[] { (space.Lambda, "lambda.min"), (space.ShortLambda, "short.lambda.min") })
        {
            var lowest = b.MinPerPair is { Count: > 0 } m ? m.Min() : b.Min;
            if (lowest < 1) throw new InputException(src, field, "a lower bound ≥ 1 with the ntk-below critical-dimension rule", Show(lowest));
        }
    }

    private static void ValidateEvolution(string src, EvolutionSettings e)
    {
        if (e.Population < 1) throw new InputException(src, "population", "an integer ≥ 1", Show(e.Population));
        if (e.Generations < 0) throw new InputException(src, "generations", "an integer ≥ 0 (generations of children after the initial population)", Show(e.Generations));
        if (e.Parents < 1 || e.Parents > e.Population)
            throw new InputException(src, "parents", $"an integer in [1, population = {e.Population}]", Show(e.Parents));
        if (e.Mutations < 0) throw new InputException(src, "mutations", "an integer ≥ 0", Show(e.Mutations));
        if (e.Crossovers < 0) throw new InputException(src, "crossovers", "an integer ≥ 0", Show(e.Crossovers));
        if (e.Mutations + e.Crossovers < 1)
            throw new InputException(src, "mutations", "mutations + crossovers ≥ 1 (each generation needs children)", $"{e.Mutations} + {e.Crossovers}");
        if (!(e.MutationProbability >= 0 && e.MutationProbability <= 1))
            throw new InputException(src, "mutation_probability", "a probability in [0, 1]", Show(e.MutationProbability));
        if (e.MaxMutationTries < 1) throw new InputException(src, "max_mutation_tries", "an integer ≥ 1", Show(e.MaxMutationTries));
        if (e.MaxCrossoverTries < 1) throw new InputException(src, "max_crossover_tries", "an integer ≥ 1", Show(e.MaxCrossoverTries));
        if (e.Samples < 1) throw new InputException(src, "samples", "an integer ≥ 1", Show(e.Samples));
        if (e.FlopsBudget is { } budget && !(double.IsFinite(budget) && budget > 0))
            throw new InputException(src, "flops_budget", "a positive number of full evaluations (e.g. 448: a third of 64 + 40 × 32)", Show(budget));
        var a = e.EarlyAbandon;
        if (!(double.IsFinite(a.Margin) && a.Margin >= 0))
            throw new InputException(src, "early_abandon.margin", "a finite number of nats ≥ 0", Show(a.Margin));
        if (a.MinSamples < 1) throw new InputException(src, "early_abandon.min_samples", "an integer ≥ 1", Show(a.MinSamples));
        if (a.ThresholdRank is { } rank && (rank < 1 || rank > e.Parents))
            throw new InputException(src, "early_abandon.threshold_rank", $"an integer in [1, parents = {Show(e.Parents)}]", Show(rank));
        if (a.Screen is { } sc)
        {
            if (sc.Samples < 1 || sc.Samples >= e.Samples)
                throw new InputException(src, "early_abandon.screen.samples", $"an integer in [1, samples − 1 = {Show(e.Samples - 1)}] (the rest are given only to the children kept)", Show(sc.Samples));
            if (sc.Keep < 1) throw new InputException(src, "early_abandon.screen.keep", "an integer ≥ 1", Show(sc.Keep));
        }
        if (a.Prefix is { } p)
        {
            if (!(double.IsFinite(p.Margin) && p.Margin >= 0))
                throw new InputException(src, "early_abandon.prefix.margin", "a finite number of nats ≥ 0", Show(p.Margin));
            if (p.Fractions.Length == 0)
                throw new InputException(src, "early_abandon.prefix.fractions", "at least one step end in (0, 1)", "[]");
            for (int i = 0; i < p.Fractions.Length; i++)
                if (!(p.Fractions[i] > 0 && p.Fractions[i] < 1) || (i > 0 && !(p.Fractions[i] > p.Fractions[i - 1])))
                    throw new InputException(src, $"early_abandon.prefix.fractions[{i}]", "strictly increasing numbers in (0, 1)", Show(p.Fractions[i]));
        }
    }

    // A FromModel space is validated before the model's k is known: any valid k gives the same bound checks.
    private static int? CriticalPairForCheck(SearchSpace space) =>
        space.CriticalDimension.Mode == CriticalDimensionMode.FromModel ? Math.Max(1, space.Pairs - 1) : null;

    private static string Show(int v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Show(decimal v) => v.ToString(CultureInfo.InvariantCulture);
    private static string Show(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
