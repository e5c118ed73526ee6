using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using LongRopeSearch.Rope;
using LongRopeSearch.Store;
using LongRopeSearch.Store.Exports;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// `longrope export --out DIR --format hf|csv|json|all --to PATH`: a finished target's factors in the forms other
/// tools read. hf → PATH/config.json (the model's config with rope_scaling "longrope"); csv → PATH/long_factor.csv
/// (+ short_factor.csv), LongRoPE's format; json → PATH/longrope-&lt;L&gt;.json, the factors with the model, validation
/// table and search settings. docs/exports.md says which inference stacks read which form.
/// </summary>
internal static class ExportCommand
{
    private static readonly string[] Formats = ["hf", "csv", "json", "all"];

    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output directory of the job to export from.", DefaultValueFactory = _ => SearchCommand.DefaultOut };
        var target = new Option<string?>("--target") { Description = "Target length to export, e.g. 131072 or 32x (default: the largest searched)." };
        var format = new Option<string>("--format") { Description = "hf (config.json), csv (LongRoPE factor files), json (everything) or all.", DefaultValueFactory = _ => "all" };
        var to = new Option<string?>("--to") { Description = "Directory to write into, created if missing (default: DIR/exports)." };
        var allowNHat = new Option<bool>("--allow-nhat") { Description = "Export to hf even when n̂ > 0, dropping n̂ (the stacks cannot express it)." };
        var cmd = new Command("export", "Export a searched target's factors for inference stacks (hf config.json, LongRoPE csv, json).")
        {
            output, target, format, to, allowNHat,
        };
        cmd.SetAction(parse => Run(parse.GetValue(output)!, parse.GetValue(target), parse.GetValue(format)!, parse.GetValue(to),
            parse.GetValue(allowNHat), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error));
        return cmd;
    }

    internal static int Run(string outDir, string? targetText, string format, string? to, bool allowNHat, TextWriter output, TextWriter error)
    {
        var fmt = format.Trim().ToLowerInvariant();
        if (!Formats.Contains(fmt)) throw new InputException("--format", "", "one of " + string.Join(", ", Formats), $"\"{format}\"");
        var context = JobContext.Open(outDir);
        var job = JobResults.Read(context);
        int? target = targetText is null ? null : LengthText.Parse(targetText, "--target", job.OriginalLength);
        var chosen = job.Select(target);
        var destination = Path.GetFullPath(to ?? Path.Combine(context.Store.Location, "exports"));

        // Build everything before writing anything, so a refusal (n̂, lengths) leaves no half export behind.
        var warnings = new List<string>();
        HfExport? hf = null;
        if (fmt is "hf" or "all")
        {
            hf = HfConfigExport.Build(job.RawModelConfig, context.Store.Location, chosen.Long, chosen.Short, job.OriginalLength, chosen.Target, allowNHat);
            warnings.AddRange(hf.Warnings);
        }
        JsonObject? json = fmt is "json" or "all" ? LongRopeJsonExport.Build(JsonInput(job, chosen, warnings)) : null;
        if (fmt is "csv" or "all")
        {
            foreach (var (name, set) in new[] { ("long", chosen.Long), ("short", chosen.Short) })
            {
                if (set is null) continue;
                var lost = new List<string>();
                if (set.NHat != 0) lost.Add(string.Create(CultureInfo.InvariantCulture, $"n̂ = {set.NHat}"));
                if (set.AttentionFactor != 1.0) lost.Add(string.Create(CultureInfo.InvariantCulture, $"attention factor {set.AttentionFactor:0.######}"));
                if (lost.Count > 0) warnings.Add($"{name}_factor.csv holds λ only: {string.Join(" and ", lost)} are kept in the json export");
            }
        }

        Directory.CreateDirectory(destination);
        var written = new List<string>();
        if (hf is not null)
        {
            var path = Path.Combine(destination, "config.json");
            HfConfigExport.Write(path, hf.Config);
            written.Add(path);
        }
        if (fmt is "csv" or "all") written.AddRange(LongRopeCsvExport.Write(destination, chosen.Long, chosen.Short));
        if (json is not null)
        {
            var path = Path.Combine(destination, string.Create(CultureInfo.InvariantCulture, $"longrope-{chosen.Target}.json"));
            LongRopeJsonExport.Write(path, json);
            written.Add(path);
        }

        foreach (var w in warnings.Distinct()) error.WriteLine($"warning: {w}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"target {chosen.Target} ({(double)chosen.Target / job.OriginalLength:0.##}× L0 = {job.OriginalLength}) from {chosen.LongFile.Path}{(chosen.ShortFile is { } sf ? ", short factors from " + sf.Path : "")}"));
        foreach (var path in written) output.WriteLine($"wrote {path}");
        return ExitCodes.Ok;
    }

    private static JsonExportInput JsonInput(JobResults job, JobResults.Chosen chosen, List<string> warnings)
    {
        var spec = job.Job.Spec;
        JsonNode? space = null;
        try
        {
            space = JsonNode.Parse(File.ReadAllText(spec.Space));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            // The json export records the space's content as provenance; the factors do not depend on it.
            warnings.Add($"the search-space file {spec.Space} could not be read ({e.Message}); the json export records its path only");
        }
        return new JsonExportInput
        {
            JobId = spec.Id,
            Long = chosen.Long,
            Short = chosen.Short,
            TargetLength = chosen.Target,
            OriginalLength = job.OriginalLength,
            ShortLength = chosen.ShortFile?.Length,
            LongSource = chosen.LongFile.Path,
            ShortSource = chosen.ShortFile?.Path,
            ModelPath = spec.Model,
            ModelConfig = job.RawModelConfig,
            Validation = job.TableOf(FactorKind.Long, chosen.Target),
            ShortValidation = chosen.ShortFile is { } s ? job.TableOf(FactorKind.Short, s.Length) : null,
            SpacePath = spec.Space,
            Space = space,
            Seed = job.Seed(),
        };
    }
}
