using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using LongRopeSearch.Model;
using LongRopeSearch.Rope;
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
        var job = JobOutputs.Open(outDir);
        int? target = targetText is null ? null : LengthText.Parse(targetText, "--target", job.OriginalLength);
        var chosen = job.Select(target);
        var destination = Path.GetFullPath(to ?? job.Dir.Exports);

        // Build everything before writing anything, so a refusal (n̂, lengths) leaves no half export behind.
        var warnings = new List<string>();
        HfExport? hf = null;
        if (fmt is "hf" or "all")
        {
            hf = HfConfigExport.Build(job.RawModelConfig, job.Dir.Root, chosen.Long, chosen.Short, job.OriginalLength, chosen.Target, allowNHat);
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

    private static JsonExportInput JsonInput(JobOutputs job, JobOutputs.Chosen chosen, List<string> warnings)
    {
        JsonNode? space = null;
        try
        {
            space = JsonNode.Parse(File.ReadAllText(job.Spec.Space));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            warnings.Add($"the search-space file {job.Spec.Space} could not be read ({e.Message}); the json export records its path only");
        }
        ulong? seed = job.Spec.Seed ?? job.StateSeed();
        if (seed is null && space?["seed"] is JsonValue v && v.TryGetValue<ulong>(out var spaceSeed)) seed = spaceSeed;
        return new JsonExportInput
        {
            JobId = job.Spec.Id,
            Long = chosen.Long,
            Short = chosen.Short,
            TargetLength = chosen.Target,
            OriginalLength = job.OriginalLength,
            ShortLength = chosen.ShortFile?.Length,
            LongSource = chosen.LongFile.Path,
            ShortSource = chosen.ShortFile?.Path,
            ModelPath = job.Spec.Model,
            ModelConfig = job.RawModelConfig,
            Validation = job.Validation.FirstOrDefault(t => t.Kind == "long" && t.Length == chosen.Target),
            ShortValidation = chosen.ShortFile is { } s ? job.Validation.FirstOrDefault(t => t.Kind == "short" && t.Length == s.Length) : null,
            SpacePath = job.Spec.Space,
            Space = space,
            Seed = seed,
        };
    }
}

/// <summary>
/// What export and report read from a job's output directory: the spec, the model's config (raw and validated),
/// the best factor files and the validation tables.
/// </summary>
internal sealed class JobOutputs
{
    private JobOutputs(JobDirectory dir, JobSpec spec, JsonObject raw, ModelConfig config, IReadOnlyList<BestFactorFile> best, IReadOnlyList<ValidationTable> validation)
    {
        Dir = dir;
        Spec = spec;
        RawModelConfig = raw;
        ModelConfig = config;
        Best = best;
        Validation = validation;
    }

    public JobDirectory Dir { get; }
    public JobSpec Spec { get; }
    public JsonObject RawModelConfig { get; }
    public ModelConfig ModelConfig { get; }
    public IReadOnlyList<BestFactorFile> Best { get; }
    public IReadOnlyList<ValidationTable> Validation { get; }
    public int OriginalLength => ModelConfig.OriginalMaxPositionEmbeddings;

    /// <summary>A target's long factors and the job's short factors, loaded and checked against the model.</summary>
    public sealed record Chosen(int Target, BestFactorFile LongFile, FactorSet Long, BestFactorFile? ShortFile, FactorSet? Short);

    public static JobOutputs Open(string outDir)
    {
        var dir = new JobDirectory(outDir);
        if (!File.Exists(dir.Spec))
            throw new InputException(dir.Root, "job.json", "a job output directory written by `longrope search` (job.json, best/*.json)", "no job.json");
        var spec = JobSpec.Load(dir.Spec);
        var configPath = Path.Combine(spec.Model, "config.json");
        var raw = HfConfigExport.LoadModelConfig(configPath);
        var config = Model.ModelConfig.Load(configPath);
        var validation = ValidationReport.Read(dir.Validation)
            .Select(s => new ValidationTable(s.Stage, s.Kind, s.Length, s.SearchSamples, s.ValidationSamples,
                s.Rows.Select(r => new ValidationRow(r.Method, r.Lambda, r.NHat, r.AttentionFactor, r.SearchPpl, r.ValidationPpl)).ToList()))
            .ToList();
        return new JobOutputs(dir, spec, raw, config, BestFactorFiles.List(dir.BestDir), validation);
    }

    /// <summary>The long factors of <paramref name="target"/> (default: the largest searched) and the short factors.</summary>
    public Chosen Select(int? target)
    {
        var longFile = BestFactorFiles.SelectLong(Best, target, Dir.Root);
        var shortFile = BestFactorFiles.SelectShort(Best);
        return new Chosen(longFile.Length, longFile, Load(longFile), shortFile, shortFile is null ? null : Load(shortFile));
    }

    /// <summary>Reads a best file, checking it was searched for this model's L0 (a job pointed at another model fails here).</summary>
    public FactorSet Load(BestFactorFile file)
    {
        var factors = FactorFile.Load(file.Path, ModelConfig.RotaryPairs);
        if (BestFactorFiles.IntField(BestFactorFiles.ReadFields(file.Path), "original_length") is { } l0 && l0 != OriginalLength)
            throw new InputException(file.Path, "original_length", $"{OriginalLength}, the trained context of {Spec.Model}", l0.ToString(CultureInfo.InvariantCulture));
        return factors;
    }

    /// <summary>The seed recorded in state.json, or null when there is no readable checkpoint.</summary>
    public ulong? StateSeed()
    {
        if (!File.Exists(Dir.State)) return null;
        try
        {
            return JobState.Load(Dir.State).Search.Seed;
        }
        catch (InputException)
        {
            return null;
        }
    }
}
