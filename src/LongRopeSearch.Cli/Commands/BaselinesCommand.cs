using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Cli.Terminal;
using LongRopeSearch.Core;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
using Spectre.Console;

namespace LongRopeSearch.Cli.Commands;

/// <summary>`longrope baselines`: the classic methods' factors at a scale, and the model's critical dimension.</summary>
internal static class BaselinesCommand
{
    public static Command Create()
    {
        var model = CommonOptions.Model();
        var scale = new Option<double>("--scale") { Description = "Scale s = target length / trained context.", DefaultValueFactory = _ => 8 };
        var full = new Option<bool>("--full") { Description = "Print every λ_i instead of a summary." };
        var cmd = new Command("baselines", "Print the classic methods' factor sets (PI, NTK, YaRN, Llama 3, dynamic NTK) and the critical dimension.")
        {
            model, scale, full,
        };
        cmd.SetAction(parse => Run(parse.GetValue(model)!, parse.GetValue(scale), parse.GetValue(full), parse.InvocationConfiguration.Output));
        return cmd;
    }

    internal static int Run(string modelDir, double scale, bool full, TextWriter output)
    {
        if (!double.IsFinite(scale) || scale <= 0) throw new InputException("--scale", "", "a positive number", scale.ToString(CultureInfo.InvariantCulture));
        var config = ModelConfig.Load(Path.Combine(modelDir, "config.json"));
        var g = FactorSource.Geometry(config);
        var critical = CriticalDimension.Compute(g);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"model {modelDir}: rotary dim {g.HeadDim} ({g.HeadDim / 2} pairs), rope_theta {g.RopeTheta}, trained context L0 {g.OriginalLength}, target {scale * g.OriginalLength:0} (s = {scale})"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"critical dimension: pair {critical.Pair} (the first pair whose period exceeds L0: pairs ≥ {critical.Pair} never completed a full turn in training), d_extra = {critical.DExtra}"));

        var table = new Table().AddColumns("method", "attention factor", full ? "λ" : "λ min / median / max");
        foreach (var (name, f) in Baselines.All(g, scale))
        {
            var lambdas = full
                ? string.Join(" ", f.Lambda.Select(l => l.ToString("0.####", CultureInfo.InvariantCulture)))
                : FactorSet.LambdaRange(f.Lambda, " / ");
            table.AddRow(name, f.AttentionFactor.ToString("0.######", CultureInfo.InvariantCulture), Markup.Escape(lambdas));
        }
        Render.Write(output, table);
        return ExitCodes.Ok;
    }
}
