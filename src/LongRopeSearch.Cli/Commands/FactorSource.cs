using System.Globalization;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;

namespace LongRopeSearch.Cli.Commands;

/// <summary>The factor set a command scores: from a factor file, from a classic method at a scale, or the unmodified model.</summary>
internal sealed record LabelledFactors(string Label, FactorSet Factors);

internal static class FactorSource
{
    public static RopeGeometry Geometry(ModelConfig c) => new(c.RotaryDim, c.RopeTheta, c.OriginalMaxPositionEmbeddings);

    /// <summary>
    /// --factors FILE wins; else --method NAME at --scale S (default: length / trained context, at least 1);
    /// else the model as published: its own rope_scaling at this length when it has one (--method none: plain RoPE),
    /// the unmodified model otherwise.
    /// </summary>
    public static LabelledFactors Resolve(string? file, string? method, double? scale, ModelConfig config, int length)
    {
        if (file is not null)
            return new(Path.GetFileName(file), FactorFile.Load(file, config.RotaryPairs));
        if (scale is { } sv && (!double.IsFinite(sv) || sv <= 0))
            throw new InputException("--scale", "", "a positive number", sv.ToString(CultureInfo.InvariantCulture));
        if (method is null || method == "none")
        {
            if (scale is not null && method is null) throw new InputException("--scale", "", "--scale together with --method");
            if (method is null && config.RopeScaling is { } published)
                return new(published.Label, published.FactorsAt(length));
            return new("none", FactorSet.Identity(config.RotaryPairs));
        }
        var m = BaselineMethods.Parse(method, "--method");
        var s = scale ?? Math.Max(1.0, (double)length / config.OriginalMaxPositionEmbeddings);
        return new(string.Create(CultureInfo.InvariantCulture, $"{method} s={s:0.###}"), Baselines.Create(m, Geometry(config), s));
    }
}
