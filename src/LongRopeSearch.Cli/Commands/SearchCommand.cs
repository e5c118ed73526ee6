using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Cli.Terminal;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// `longrope search`: a LongRoPE search in the foreground, with every default pointing at what ships in the repo.
/// `longrope resume --out DIR` continues a stopped or killed one. Both run the same <see cref="JobRunner"/> as the
/// hosted worker.
/// </summary>
internal static class SearchCommand
{
    public const string DefaultOut = "runs/tiny-brown";

    public static Command Create()
    {
        var model = CommonOptions.Model();
        var data = new Option<string>("--data") { Description = "Documents the search scores candidates on.", DefaultValueFactory = _ => CommonOptions.DefaultSearchData };
        var validation = new Option<string>("--validation") { Description = "Documents used only to judge the result.", DefaultValueFactory = _ => CommonOptions.DefaultValidationData };
        var space = new Option<string>("--space") { Description = "Search-space file.", DefaultValueFactory = _ => CommonOptions.DefaultSpace };
        var targets = new Option<string?>("--targets") { Description = "Target lengths in order, e.g. 8x,16x or 131072,262144 (default: the space's)." };
        var shortLength = new Option<int?>("--short") { Description = "Length for the short factor search; 0 = none (default: the space's)." };
        var seed = new Option<ulong?>("--seed") { Description = "Random seed (default: the space's)." };
        var output = new Option<string>("--out") { Description = "Output directory of the job.", DefaultValueFactory = _ => DefaultOut };
        var threads = CommonOptions.Threads();
        var validationSamples = new Option<int?>("--validation-samples") { Description = "Validation samples per length (default: 2 × the space's samples)." };

        var cmd = new Command("search", "Run a LongRoPE factor search in the foreground (Ctrl-C stops at the next evaluation; `resume` continues).")
        {
            model, data, validation, space, targets, shortLength, seed, output, threads, validationSamples,
        };
        cmd.SetAction(parse =>
        {
            var outDir = Path.GetFullPath(parse.GetValue(output)!);
            var spec = new JobSpec
            {
                Id = Path.GetFileName(outDir.TrimEnd(Path.DirectorySeparatorChar)),
                Model = Path.GetFullPath(parse.GetValue(model)!),
                Data = Path.GetFullPath(parse.GetValue(data)!),
                Validation = Path.GetFullPath(parse.GetValue(validation)!),
                Space = Path.GetFullPath(parse.GetValue(space)!),
                Targets = parse.GetValue(targets)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? [],
                ShortLength = parse.GetValue(shortLength),
                Seed = parse.GetValue(seed),
                Output = outDir,
                Threads = parse.GetValue(threads),
                ValidationSamples = parse.GetValue(validationSamples),
            };
            if (File.Exists(new JobDirectory(outDir).State))
            {
                if (!SameJob(JobSpec.Load(new JobDirectory(outDir).Spec), spec))
                    throw new InputException(outDir, "job.json", "an empty output directory, or the same job (use `longrope resume --out " + outDir + "` to continue it)", "a different job's checkpoint");
            }
            return RunJob(spec, parse.InvocationConfiguration.Output);
        });
        return cmd;
    }

    private static readonly string[] NoTargets = [];

    /// <summary>
    /// The same job apart from the thread count. Record equality compares the target lists by reference, so both
    /// sides get one shared empty list and the targets are compared element by element.
    /// </summary>
    private static bool SameJob(JobSpec a, JobSpec b) =>
        a with { Threads = null, Targets = NoTargets } == b with { Threads = null, Targets = NoTargets }
        && a.Targets.SequenceEqual(b.Targets);

    public static Command CreateResume()
    {
        var output = new Option<string>("--out") { Description = "Output directory of the job to continue.", DefaultValueFactory = _ => DefaultOut };
        var threads = new Option<int?>("--threads") { Description = "Worker threads (default: as the job was started)." };
        var cmd = new Command("resume", "Continue a stopped or killed search from its checkpoint.") { output, threads };
        cmd.SetAction(parse =>
        {
            var dir = new JobDirectory(parse.GetValue(output)!);
            if (!File.Exists(dir.Spec)) throw new InputException(dir.Root, "job.json", "a job output directory (job.json and state.json)", "no job.json");
            var spec = JobSpec.Load(dir.Spec);
            if (parse.GetValue(threads) is { } t) spec = spec with { Threads = t };
            return RunJob(spec, parse.InvocationConfiguration.Output);
        });
        return cmd;
    }

    internal static int RunJob(JobSpec spec, TextWriter output)
    {
        using var signal = new ShutdownSignal();
        using var logging = CliLogging.Create();
        var log = logging.CreateLogger("search");
        // The clock starts now, so the first rate is not one evaluation over a few microseconds.
        var bar = new ConsoleProgress("search", 0, "evals");
        var runner = new JobRunner(spec, log, new InlineProgress<SearchProgress>(p =>
        {
            bar.Total = p.EvaluationsPlanned;
            bar.Baseline ??= p.EvaluationsDone - 1;
            bar.Report(p.EvaluationsDone, string.Create(CultureInfo.InvariantCulture,
                $"{p.StageName} gen {p.Generation + 1}/{p.Generations}, best ppl {p.BestPerplexity:0.####}, abandoned {p.Abandoned}"));
        }));
        runner.StageValidated += table =>
        {
            bar.Finish();
            output.WriteLine();
            output.WriteLine($"{table.Stage}: {table.SearchSamples} search samples, {table.ValidationSamples} validation samples");
            Render.Write(output, ValidationTable(table));
        };
        var outcome = runner.Run(signal.Token);
        bar.Finish();
        if (outcome == JobOutcome.Cancelled)
        {
            output.WriteLine($"stopped; continue with: longrope resume --out {spec.Output}");
            return ExitCodes.Ok;
        }
        output.WriteLine($"done: results in {spec.Output} (best/*.json, validation.json, history.parquet)");
        return ExitCodes.Ok;
    }

    internal static Table ValidationTable(StageValidation t)
    {
        var table = new Table().AddColumns("method", "λ min..median..max", "n̂", "attn", "search ppl", "validation ppl");
        foreach (var r in t.Rows)
        {
            table.AddRow(Markup.Escape(r.Method), FactorSet.LambdaRange(r.Lambda, ".."),
                r.NHat.ToString(CultureInfo.InvariantCulture), r.AttentionFactor.ToString("0.####", CultureInfo.InvariantCulture),
                r.SearchPpl.ToString("0.####", CultureInfo.InvariantCulture), r.ValidationPpl.ToString("0.####", CultureInfo.InvariantCulture));
        }
        return table;
    }
}
