using System.CommandLine;
using System.Globalization;
using LongRopeSearch.Cli.Terminal;
using LongRopeSearch.Core;
using LongRopeSearch.Jobs;
using Spectre.Console;

namespace LongRopeSearch.Cli.Commands;

/// <summary>
/// `longrope status`: state, stage, generation, evaluations, best ppl, rate and ETA of one job or of a worker's jobs,
/// as <see cref="JobOverview"/> concludes them. A job whose checkpoint or status file cannot be read is shown as
/// such, and the command then exits 2 with one line per unreadable file.
/// </summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var jobs = new Option<string?>("--jobs") { Description = "A worker's jobs directory: show every job in it." };
        var output = new Option<string?>("--out") { Description = "One job's output directory." };
        var cluster = new Option<string?>("--cluster") { Description = "PostgreSQL connection string: show that cluster's workers and jobs." };
        var cmd = new Command("status", "Show the progress of jobs.") { jobs, output, cluster };
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(cluster) is { } cs) return ClusterCli.Status(cs, parse.InvocationConfiguration.Output);
            var rows = new List<(string Name, JobPhase Phase, JobOverview? Overview, string? Note)>();
            if (parse.GetValue(jobs) is { } jobsDir)
            {
                if (!Directory.Exists(jobsDir)) throw new InputException("--jobs", "", "an existing jobs directory", jobsDir);
                foreach (var entry in JobQueue.List(jobsDir))
                    rows.Add((entry.Name, entry.Phase, entry.Overview, entry.Marked ? "see the .failed file" : entry.Note));
            }
            else
            {
                var dir = parse.GetValue(output) ?? SearchCommand.DefaultOut;
                if (!Directory.Exists(dir)) throw new InputException("--out", "", "an existing job output directory", dir);
                var overview = JobOverview.Of(new FileJobStore(dir));
                rows.Add((Path.GetFileName(Path.GetFullPath(dir).TrimEnd('/')), overview.Phase, overview, overview.Note));
            }
            Render.Write(parse.InvocationConfiguration.Output, Table(rows));
            var problems = rows.Select(r => r.Overview?.Problem).OfType<InputException>().ToList();
            foreach (var p in problems) parse.InvocationConfiguration.Error.WriteLine($"error: {p.Message}");
            return problems.Count > 0 ? ExitCodes.BadInput : ExitCodes.Ok;
        });
        return cmd;
    }

    private static Table Table(List<(string Name, JobPhase Phase, JobOverview? Overview, string? Note)> rows)
    {
        var t = new Table().AddColumns("job", "state", "stage", "generation", "evaluations", "best ppl", "rate", "ETA", "note");
        foreach (var (name, phase, overview, note) in rows)
        {
            var s = overview?.Progress;
            string F(double? v, string fmt) => v is { } x ? x.ToString(fmt, CultureInfo.InvariantCulture) : "-";
            t.AddRow(
                Markup.Escape(name), phase.Text(), Markup.Escape(s?.Stage ?? "-"),
                s is null ? "-" : $"{s.Generation}/{s.Generations}",
                s is null ? "-" : $"{s.Evaluations}/{s.EvaluationsPlanned}",
                F(s?.BestPpl, "0.####"),
                s?.EvaluationsPerSecond is { } r ? F(r, "0.###") + " evals/s" : "-",
                s?.EtaSeconds is { } e && (phase == JobPhase.Running || phase.IsResumable()) ? Durations.Format(e) : "-",
                Markup.Escape(note ?? ""));
        }
        return t;
    }
}
