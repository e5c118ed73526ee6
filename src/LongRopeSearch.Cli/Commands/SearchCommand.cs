using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Cli.Terminal;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using LongRopeSearch.Rope;
using LongRopeSearch.Search;
using LongRopeSearch.Store.Validation;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// `longrope search`: a LongRoPE search in the foreground, with every default pointing at what ships in the repo.
/// `longrope resume --out DIR` continues a stopped or killed one, in DIR wherever it was copied or moved. Both run
/// the same <see cref="JobRunner"/> as the hosted worker.
/// </summary>
internal static class SearchCommand
{
    public const string DefaultOut = "runs/tiny-brown";

    public static Command Create()
    {
        var inputs = new JobSpecOptions();
        var seed = new Option<ulong?>("--seed") { Description = "Random seed (default: the space's)." };
        var output = new Option<string>("--out") { Description = "Output directory of the job.", DefaultValueFactory = _ => DefaultOut };
        var threads = CommonOptions.Threads();

        var cluster = new Option<string?>("--cluster") { Description = "PostgreSQL connection string: run the search on that cluster's workers (--out is the job's shared directory) and follow it." };
        var detach = new Option<bool>("--detach") { Description = "With --cluster: submit and return without following." };
        var cmd = new Command("search", "Run a LongRoPE factor search in the foreground (Ctrl-C stops at the next evaluation; `resume` continues).")
        {
            seed, output, threads, cluster, detach,
        };
        inputs.AddTo(cmd);
        cmd.SetAction(parse =>
        {
            var outDir = Path.GetFullPath(parse.GetValue(output)!);
            var spec = inputs.Bind(parse, Path.GetFileName(outDir.TrimEnd(Path.DirectorySeparatorChar)), outDir)
                with { Seed = parse.GetValue(seed), Threads = parse.GetValue(threads) };
            var store = new FileJobStore(outDir);
            if (store.HasState && store.LoadSpec() is { } existing && !existing.SameJobAs(spec))
                throw new InputException(outDir, "job.json", "an empty output directory, or the same job (use `longrope resume --out " + outDir + "` to continue it)", "a different job's checkpoint");
            var job = new JobContext(store, spec) { TargetsSource = "--targets" };
            if (parse.GetValue(cluster) is { } cs)
                return ClusterCli.Submit(cs, job, parse.GetValue(detach), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
            return RunJob(job, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return cmd;
    }

    public static Command CreateResume()
    {
        var output = new Option<string>("--out") { Description = "Output directory of the job to continue (it works on this directory, wherever it was moved).", DefaultValueFactory = _ => DefaultOut };
        var threads = new Option<int?>("--threads") { Description = "Worker threads (default: as the job was started)." };
        var cmd = new Command("resume", "Continue a stopped or killed search from its checkpoint.") { output, threads };
        cmd.SetAction(parse =>
        {
            var job = JobContext.Open(parse.GetValue(output)!);
            if (parse.GetValue(threads) is { } t) job = new JobContext(job.Store, job.Spec with { Threads = t });
            return RunJob(job, parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error);
        });
        return cmd;
    }

    /// <summary>
    /// Runs the job in the foreground. Exit codes: 0 finished, 130 stopped by Ctrl-C / SIGTERM (the checkpoint is on
    /// disk; `resume` continues), 2 bad input, 1 any other failure — so a script can tell finished from stopped.
    /// </summary>
    internal static int RunJob(JobContext job, TextWriter output, TextWriter error)
    {
        using var signal = new ShutdownSignal(error);
        using var logging = CliLogging.Create();
        var log = logging.CreateLogger("search");
        // The clock starts now, so the first rate is not one evaluation over a few microseconds.
        var bar = new ConsoleProgress(error, "search", 0, "evals");
        var runner = new JobRunner(job, log, new InlineProgress<SearchProgress>(p =>
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
            Render.Write(output, Widget(table));
        };
        var outcome = runner.Run(signal.Token);
        bar.Finish();
        if (outcome == JobOutcome.Cancelled)
        {
            output.WriteLine($"stopped; continue with: longrope resume --out {job.Store.Location}");
            return ExitCodes.Cancelled;
        }
        output.WriteLine($"done: results in {job.Store.Location} (best/*.json, validation.json, history.parquet)");
        return ExitCodes.Ok;
    }

    internal static Table Widget(ValidationTable t)
    {
        // "ppl at L0": each row's factors on L0-token validation samples, what vLLM/llama.cpp users see on short prompts.
        var l0 = t.OriginalLength is { } o ? "ppl at L0=" + o.ToString(CultureInfo.InvariantCulture) : "ppl at L0";
        var table = new Table().AddColumns("method", "λ min..median..max", "n̂", "attn", "search ppl", "validation ppl", l0);
        foreach (var r in t.Rows)
        {
            table.AddRow(Markup.Escape(r.Method), FactorSet.LambdaRange(r.Lambda, ".."),
                r.NHat.ToString(CultureInfo.InvariantCulture), r.AttentionFactor.ToString("0.####", CultureInfo.InvariantCulture),
                r.SearchPpl.ToString("0.####", CultureInfo.InvariantCulture), r.ValidationPpl.ToString("0.####", CultureInfo.InvariantCulture),
                r.AtL0ValidationPpl?.ToString("0.####", CultureInfo.InvariantCulture) ?? "–");
        }
        return table;
    }
}
