using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Cli.Terminal;
using LongRopeSearch.Core;
using LongRopeSearch.Engine;
using LongRopeSearch.Jobs;
using LongRopeSearch.Rope;
using LongRopeSearch.Store.Exports;
using LongRopeSearch.Store;
using LongRopeSearch.Store.Reports;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// `longrope report --out DIR`: writes DIR/report.html, one self-contained page with the job summary, ppl against
/// length for the searched factors and every classic method (evaluated here on the validation samples and cached
/// in DIR/sweep.json, so a re-run is instant), the search's best ppl per generation and the validation tables.
/// </summary>
internal static class ReportCommand
{
    public static Command Create()
    {
        var output = new Option<string>("--out") { Description = "Output directory of the job to report on.", DefaultValueFactory = _ => SearchCommand.DefaultOut };
        var lengths = new Option<string?>("--lengths") { Description = "Lengths of the ppl sweep, e.g. 4096,8192 or 1x,2x,4x (default: L0, 2·L0, 4·L0, … up to the largest target)." };
        var engine = CommonOptions.Engine();
        var threads = CommonOptions.Threads();
        var cmd = new Command("report", "Write DIR/report.html: ppl against length, search progress and validation tables.") { output, lengths, engine, threads, ClusterCli.ClusterOption, ClusterCli.JobOption };
        cmd.SetAction((parse, ct) => Task.FromResult(Run(ClusterCli.JobDirectoryOr(parse, parse.GetValue(output)!), parse.GetValue(lengths),
            EngineChoice.Parse(parse.GetValue(engine)!, parse.GetValue(threads)), parse.InvocationConfiguration.Output, parse.InvocationConfiguration.Error, ct)));
        return cmd;
    }

    internal static int Run(string outDir, string? lengthsText, ForwardPassOptions forwardOptions, TextWriter output, TextWriter error, CancellationToken ct)
    {
        var context = JobContext.Open(outDir);
        var job = JobResults.Read(context);
        var paths = new JobDirectory(context.Store.Location);
        int l0 = job.OriginalLength;
        int maxTarget = BestFactorFiles.SelectLong(job.Best, null, context.Store.Location).Length; // no best file yet: a clear error
        var longs = job.Best.Where(f => f.Kind == FactorKind.Long && !f.Deployable).ToList();
        var shortFile = BestFactorFiles.SelectShort(job.Best);
        var lengths = lengthsText is null
            ? ReportSweep.DefaultLengths(l0, maxTarget)
            : CommonOptions.ParseLengths(lengthsText, "--lengths", l0).Distinct().Order().ToList();

        var searched = new List<(string Name, FactorSet Factors)>();
        foreach (var f in longs)
        {
            var best = job.Load(f).Factors;
            searched.Add((string.Create(CultureInfo.InvariantCulture, $"longrope L={f.Length}"), best));
            // The set the stack exports take by default, when it is not the best overall (n̂ > 0).
            if (BestFactorFiles.DeployableOf(job.Best, f) is { } d && job.Load(d).Factors is var deployable && !deployable.Equals(best))
                searched.Add((string.Create(CultureInfo.InvariantCulture, $"longrope L={f.Length} deployable n̂=0"), deployable));
        }
        if (shortFile is not null) searched.Add((string.Create(CultureInfo.InvariantCulture, $"longrope short L={shortFile.Length}"), job.Load(shortFile).Factors));
        var methods = ReportSweep.Methods(searched, context.Geometry, (double)maxTarget / l0);
        int samples = SweepSamples(job);

        var notes = new List<string>();
        var cache = SweepCache.Load(paths.Sweep, ReportSweep.CacheContext(context, samples, forwardOptions.Kind), out var discarded);
        if (discarded is not null)
        {
            error.WriteLine($"warning: {discarded}");
            notes.Add(discarded);
        }

        SweepOutcome sweep;
        using (var engine = context.OpenEngine(forwardOptions))
        {
            ConsoleProgress? bar = null;
            var progress = new InlineProgress<SweepProgress>(p =>
            {
                bar ??= new ConsoleProgress(error, "report sweep", p.TokensTotal, "tok");
                bar.Report(p.TokensDone, string.Create(CultureInfo.InvariantCulture,
                    $"eval {Math.Min(p.EvaluationsDone + 1, p.EvaluationsTotal)}/{p.EvaluationsTotal}: {p.Method} at {p.Length}"));
            });
            sweep = new ReportSweep(engine.Evaluator, context.Tokenizer, context.Spec.Validation, samples, cache).Run(methods, lengths, progress, ct);
            bar?.Finish();
        }
        notes.AddRange(sweep.Notes);
        foreach (var n in sweep.Notes) error.WriteLine($"warning: {n}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sweep: {methods.Count} factor sets × {lengths.Count} lengths on {samples} validation samples: {sweep.Evaluated} evaluated, {sweep.Cached} from {cache.Path}"));

        var historyPath = context.Store.NameOf(JobArtifact.History);
        string? historyProblem = null;
        var rows = context.Store.ReadHistory();
        if (rows.Count == 0 && !File.Exists(historyPath))
        {
            historyProblem = $"{historyPath} is missing, so the search-progress chart is left out (the history of evaluations is written there once per generation; a resumed job rebuilds it from its checkpoint)";
            error.WriteLine($"warning: {historyProblem}");
        }
        var history = HistoryDigest.From(rows);
        var data = new ReportData
        {
            JobId = context.Id,
            ModelPath = context.Spec.Model,
            OriginalLength = l0,
            Targets = longs.Select(f => f.Length).ToList(),
            ShortLength = shortFile?.Length,
            Status = JobOverview.Of(context.Store).Phase.Text(),
            SweepSamples = samples,
            ValidationPath = context.Spec.Validation,
            History = history,
            HistoryProblem = historyProblem,
            Sweep = sweep.Series,
            Factors = methods.Select(m => new FactorCurve(m.Name, m.Searched, m.Factors.Lambda)).ToList(),
            Validation = job.Validation,
            Notes = notes,
        };
        AtomicFile.WriteAllText(paths.Report, HtmlReport.Render(data));
        output.WriteLine($"wrote {paths.Report}");
        return ExitCodes.Ok;
    }

    /// <summary>
    /// Validation samples per length: the count the job's own validation tables used (so the sweep's numbers at a
    /// target length match validation.json), else what the job would use (validation_samples, or 2 × the space's).
    /// </summary>
    private static int SweepSamples(JobResults job)
    {
        if (job.Validation.Where(t => t.Kind == FactorKind.Long).OrderByDescending(t => t.Length).FirstOrDefault() is { } largest)
            return largest.ValidationSamples;
        return job.Job.ValidationSamples;
    }
}
