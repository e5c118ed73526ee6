using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Cli.Terminal;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using LongRopeSearch.Store.Gguf;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// `longrope export --out DIR --format hf|csv|json|gguf|all --to PATH`: a searched target's factors in the forms other
/// tools read. hf → PATH/config.json (the model's config with rope_scaling "longrope"); csv → PATH/long_factor.csv
/// (+ short_factor.csv), LongRoPE's format; json → PATH/longrope-&lt;L&gt;.json, the factors with the model, validation
/// table and search settings; gguf → PATH/longrope-&lt;L&gt;.gguf (or --to FILE.gguf), the model and factors for
/// llama.cpp. By default every stage's best deployable set (n̂ = 0) is exported, with what it costs against the best
/// overall. docs/exports.md says which inference stacks read which form.
/// </summary>
internal static class ExportCommand
{
    private static readonly string[] FormatNames = ["hf", "csv", "json", "gguf", "all"];

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output directory of the job to export from.", DefaultValueFactory = _ => SearchCommand.DefaultOut };
        var target = new Option<string?>("--target") { Description = "Target length to export, e.g. 131072 or 32x (default: the largest searched)." };
        var format = new Option<string>("--format")
        {
            Description = "hf (config.json), csv (LongRoPE factor files), json (everything), gguf (model + factors for llama.cpp), a comma list of them, or all.",
            DefaultValueFactory = _ => "all",
        };
        var to = new Option<string?>("--to") { Description = "Directory to write into, created if missing (default: DIR/exports); with --format gguf alone, a file ending in .gguf." };
        var set = new Option<string>("--set")
        {
            Description = "deployable: each stage's best set with n̂ = 0, which every inference stack can run (default); best: the best overall (refused for hf and gguf when its n̂ > 0).",
            DefaultValueFactory = _ => "deployable",
        };
        var allowNHat = new Option<bool>("--allow-nhat") { Description = "hf only: export a set with n̂ > 0 anyway, dropping n̂ (its perplexity then differs from the search's)." };
        var bestSoFar = new Option<bool>("--best-so-far") { Description = "Export the running stage's best set so far from the checkpoint (labelled not final), while the job is still running." };
        var outType = new Option<string?>("--outtype") { Description = "gguf: f32, f16 or bf16 for the weight matrices (default: as stored)." };
        var tokenizerFrom = new Option<string?>("--tokenizer-from") { Description = "gguf: a GGUF of the same model made by llama.cpp's convert_hf_to_gguf.py, whose tokenizer is copied (needed for models with a real tokenizer)." };
        var cmd = new Command("export", "Export a searched target's factors for inference stacks (hf config.json, LongRoPE csv, json, GGUF).")
        {
            output, target, format, to, set, allowNHat, bestSoFar, outType, tokenizerFrom, ClusterCli.ClusterOption, ClusterCli.JobOption,
        };
        cmd.SetAction((parse, ct) => Task.FromResult(Run(new Arguments(ClusterCli.JobDirectoryOr(parse, parse.GetValue(output)!), parse.GetValue(target), parse.GetValue(format)!, parse.GetValue(to),
            parse.GetValue(set)!, parse.GetValue(allowNHat), parse.GetValue(bestSoFar), parse.GetValue(outType), parse.GetValue(tokenizerFrom)),
            parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct)));
        return cmd;
    }

    internal sealed record Arguments(string Out, string? Target, string Format, string? To, string Set, bool AllowNHat, bool BestSoFar, string? OutType, string? TokenizerFrom);

    internal static int Run(Arguments a, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var formats = ParseFormats(a.Format);
        var choice = a.Set.Trim().ToLowerInvariant() switch
        {
            "deployable" => FactorChoice.Deployable,
            "best" => FactorChoice.Best,
            _ => throw new InputException("--set", "", "deployable or best", $"\"{a.Set}\""),
        };
        var outType = ParseOutType(a.OutType, formats);
        if (a.TokenizerFrom is not null && !formats.Contains(ExportFormat.Gguf))
            throw new InputException("--tokenizer-from", "", "--format gguf or all (the tokenizer is copied into the GGUF)", a.Format);
        var context = JobContext.Open(a.Out);
        var job = JobResults.Read(context);
        int? target = a.Target is null ? null : LengthText.Parse(a.Target, "--target", job.OriginalLength);

        ConsoleProgress? bar = null;
        double unit = 1;
        var progress = new InlineProgress<GgufWriteProgress>(p =>
        {
            if (bar is null)
            {
                // MiB for real models, KiB for the small ones (so the figures are not all 0).
                var (size, name) = p.BytesTotal >= 64L << 20 ? (1048576.0, "MiB") : (1024.0, "KiB");
                unit = size;
                bar = new ConsoleProgress(error, "gguf", p.BytesTotal / unit, name);
            }
            bar.Report(p.BytesDone / unit, string.Create(CultureInfo.InvariantCulture, $"tensor {p.TensorsDone}/{p.TensorsTotal}"));
        });
        var request = new ExportRequest
        {
            Formats = formats,
            Target = target,
            To = a.To,
            Choice = choice,
            AllowNHat = a.AllowNHat,
            BestSoFar = a.BestSoFar,
            OutType = outType,
            TokenizerFrom = a.TokenizerFrom,
            GgufProgress = progress,
        };

        // Everything is built and checked before anything is written: a refusal leaves no partial export.
        using var export = JobExport.Prepare(job, request);
        output.WriteLine(Headline(export));
        foreach (var note in export.Notes) output.WriteLine($"note: {note}");
        var written = export.Write(ct);
        bar?.Finish();
        foreach (var w in export.Warnings) error.WriteLine($"warning: {w}");
        foreach (var path in written) output.WriteLine($"wrote {path}");
        return ExitCodes.Ok;
    }

    /// <summary>"target 2048 (8× L0 = 256): best deployable (n̂ = 0) from …; short 512: best (n̂ = 0) from …; switch point 512; final".</summary>
    private static string Headline(JobExport export)
    {
        var p = export.Provenance;
        var parts = new List<string>
        {
            string.Create(CultureInfo.InvariantCulture, $"target {p.TargetLength} ({(double)p.TargetLength / p.OriginalLength:0.##}× L0 = {p.OriginalLength}): {p.Long.Label} set from {p.Long.Exported.Source}"),
            p.Short is { } s ? $"short factors at {s.Length}: {s.Label} set from {s.Exported.Source}" : "no short factors",
            string.Create(CultureInfo.InvariantCulture, $"switch point {p.SwitchLength}"),
            p.IsFinal ? "final" : "BEST SO FAR, NOT FINAL",
        };
        return string.Join("; ", parts);
    }

    private static HashSet<ExportFormat> ParseFormats(string text)
    {
        var names = new Dictionary<string, ExportFormat[]>(StringComparer.OrdinalIgnoreCase)
        {
            ["hf"] = [ExportFormat.Hf],
            ["csv"] = [ExportFormat.Csv],
            ["json"] = [ExportFormat.Json],
            ["gguf"] = [ExportFormat.Gguf],
            ["all"] = Enum.GetValues<ExportFormat>(),
        };
        var formats = new HashSet<ExportFormat>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            formats.UnionWith(names.TryGetValue(part, out var f) ? f
                : throw new InputException("--format", "", "one of " + string.Join(", ", FormatNames) + " (or a comma list, e.g. hf,json)", $"\"{part}\""));
        if (formats.Count == 0) throw new InputException("--format", "", "one of " + string.Join(", ", FormatNames), $"\"{text}\"");
        return formats;
    }

    private static GgufOutType ParseOutType(string? text, HashSet<ExportFormat> formats)
    {
        if (text is null) return GgufOutType.AsStored;
        if (!formats.Contains(ExportFormat.Gguf))
            throw new InputException("--outtype", "", "--format gguf or all (it sets the GGUF's weight type)", text);
        return text.Trim().ToLowerInvariant() switch
        {
            "f32" => GgufOutType.F32,
            "f16" => GgufOutType.F16,
            "bf16" => GgufOutType.BF16,
            _ => throw new InputException("--outtype", "", "f32, f16 or bf16", $"\"{text}\""),
        };
    }
}
